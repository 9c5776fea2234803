package benchmarks_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

func labelSelector(m map[string]string) labels.Selector {
	if m == nil {
		return nil
	}
	return labels.SelectorFromSet(m)
}

var (
	idPattern       = regexp.MustCompile(`^(NODE|RBAC|NET|SEC|BAK|WKL|IMG|LOG|CP)-[0-9]{3}$`)
	standardPattern = regexp.MustCompile(`^S[0-9]{1,2}\.[0-9]{1,2}$`)
)

func TestRegistryIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range benchmarks.All() {
		if c.Domain == benchmarks.DomainOrganisation {
			testOrganisationalItem(t, c)
			seen[c.ID] = true
			continue
		}
		if !idPattern.MatchString(c.ID) {
			t.Errorf("%q is not a check ID (PREFIX-NNN)", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("%s is registered twice", c.ID)
		}
		seen[c.ID] = true
		if prefix := c.Domain.IDPrefix(); prefix == "" || !strings.HasPrefix(c.ID, prefix+"-") {
			t.Errorf("%s: domain %q does not match the ID prefix", c.ID, c.Domain)
		}
		if c.Level < benchmarks.L1 || c.Level > benchmarks.L3 {
			t.Errorf("%s: level %d", c.ID, c.Level)
		}
		if c.Severity.Weight() == 0 {
			t.Errorf("%s: severity %q", c.ID, c.Severity)
		}
		for field, v := range map[string]string{"Title": c.Title, "Rationale": c.Rationale, "Remediation": c.Remediation} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", c.ID, field)
			}
		}
		refs := c.References
		if len(refs.Standard)+len(refs.NIST)+len(refs.MLPS)+len(refs.CIS) == 0 {
			t.Errorf("%s: no references", c.ID)
		}
		for _, s := range refs.Standard {
			if !standardPattern.MatchString(s) {
				t.Errorf("%s: standard reference %q is not an item such as S3.5", c.ID, s)
			}
		}
		if c.Evaluate == nil {
			t.Errorf("%s: no Evaluate function", c.ID)
		}
		pass, _ := filepath.Glob(filepath.Join("testdata", c.ID, "pass_*.yaml"))
		fail, _ := filepath.Glob(filepath.Join("testdata", c.ID, "fail_*.yaml"))
		if len(pass) == 0 || len(fail) == 0 {
			t.Errorf("%s: needs at least one pass_*.yaml and one fail_*.yaml in testdata/%s (has %d and %d)", c.ID, c.ID, len(pass), len(fail))
		}
	}
	// Every fixture directory belongs to a registered check.
	dirs, _ := os.ReadDir("testdata")
	for _, d := range dirs {
		if d.IsDir() && idPattern.MatchString(d.Name()) && !seen[d.Name()] {
			t.Errorf("testdata/%s has fixtures but no registered check", d.Name())
		}
	}
}

// testOrganisationalItem checks an organisational item: a standard item ID, metadata, and an
// Evaluate that is always Manual (only an attestation makes it pass).
func testOrganisationalItem(t *testing.T, c benchmarks.Check) {
	t.Helper()
	if !standardPattern.MatchString(c.ID) || c.Title == "" || c.Remediation == "" {
		t.Errorf("organisational item %q: incomplete", c.ID)
	}
	rep := benchmarks.Evaluate(&benchmarks.Snapshot{}, benchmarks.Env{}, []benchmarks.Check{c}, benchmarks.Options{Level: benchmarks.L3})
	if len(rep.Checks) != 1 || rep.Checks[0].Result != benchmarks.Manual {
		t.Errorf("organisational item %s must be Manual without an attestation", c.ID)
	}
}
