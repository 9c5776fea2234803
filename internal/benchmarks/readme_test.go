package benchmarks_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// TestReadmeRemediationTableNamesEveryFixedCheck compares the README's remediation table, whose
// "Fixes" column lists the checks each action fixes, with the checks that name the action as
// their AutoRemediation: a check added to an action, or a row that claims a check the catalog
// does not link, fails.
func TestReadmeRemediationTableNamesEveryFixedCheck(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := map[securityv1alpha1.RemediationAction][]string{}
	for _, c := range benchmarks.All() {
		if c.AutoRemediation != "" {
			want[c.AutoRemediation] = append(want[c.AutoRemediation], c.ID)
		}
	}
	row := regexp.MustCompile("^\\| `([A-Za-z]+)` \\|.*\\| ([A-Z]+-[0-9]+(?:, [A-Z]+-[0-9]+)*) \\|$")
	got := map[securityv1alpha1.RemediationAction][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			got[securityv1alpha1.RemediationAction(m[1])] = strings.Split(m[2], ", ")
		}
	}
	if len(got) == 0 {
		t.Fatal("README.md has no remediation table rows (| `Action` | what it does | CHECK-ID, … |)")
	}
	for action, ids := range want {
		slices.Sort(ids)
		readme := slices.Clone(got[action])
		slices.Sort(readme)
		if !slices.Equal(ids, readme) {
			t.Errorf("README's row for %s fixes %v; the catalog links %v to it", action, got[action], ids)
		}
	}
	for action := range got {
		if _, ok := want[action]; !ok {
			t.Errorf("README lists %s, which no check names as its AutoRemediation", action)
		}
	}
}
