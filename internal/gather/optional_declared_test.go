package gather

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// TestOptionalKindsMatchCatalog keeps the watched optional kinds equal to the kinds the checks
// declare in Reads: a kind no check declares is watched for nothing, and a declared kind that
// is not watched is never gathered, so its checks stay NotApplicable.
func TestOptionalKindsMatchCatalog(t *testing.T) {
	key := func(gk schema.GroupKind) string { return gk.Kind + "." + gk.Group }
	var watched, declared []string
	for _, gk := range optionalKinds {
		watched = append(watched, key(gk))
	}
	for _, gk := range benchmarks.OptionalKinds() {
		declared = append(declared, key(gk))
	}
	slices.Sort(watched)
	for _, k := range declared {
		if !slices.Contains(watched, k) {
			t.Errorf("a check reads %s, which optional.go does not watch", k)
		}
	}
	for _, k := range watched {
		if !slices.Contains(declared, k) {
			t.Errorf("optional.go watches %s, which no check declares in Reads", k)
		}
	}
	if got, want := strings.Join(optionalGroups, ","), strings.Join(benchmarks.OptionalGroups(), ","); got != want {
		t.Errorf("optional.go watches the groups %s; the checks read every kind of %s", got, want)
	}
}
