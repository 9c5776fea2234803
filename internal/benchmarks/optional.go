package benchmarks

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// OptionalKinds returns the optional kinds the checks of the catalog declare in Reads, sorted
// by group and kind: the third-party kinds the gatherer watches when the cluster serves them.
func OptionalKinds() []schema.GroupKind {
	var out []schema.GroupKind
	for _, c := range All() {
		for _, r := range c.Reads {
			if strings.HasPrefix(r, "*.") {
				continue
			}
			if gk := schema.ParseGroupKind(r); !slices.Contains(out, gk) {
				out = append(out, gk)
			}
		}
	}
	slices.SortFunc(out, func(a, b schema.GroupKind) int {
		return strings.Compare(a.Group+"/"+a.Kind, b.Group+"/"+b.Kind)
	})
	return out
}

// OptionalGroups returns the API groups whose every kind some check reads (declared in Reads as
// "*.group", such as Gatekeeper's constraints.gatekeeper.sh, one kind per constraint template),
// sorted.
func OptionalGroups() []string {
	var out []string
	for _, c := range All() {
		for _, r := range c.Reads {
			if g, ok := strings.CutPrefix(r, "*."); ok && !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}
