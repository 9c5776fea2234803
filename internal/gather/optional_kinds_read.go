package gather

import "k8s.io/apimachinery/pkg/runtime/schema"

// ReadsOptionalKind reports whether some check reads objects of the third-party kind, so a
// manifest scan can name the kinds it does not inspect.
func ReadsOptionalKind(gk schema.GroupKind) bool {
	for _, k := range optionalKinds {
		if k == gk {
			return true
		}
	}
	for _, g := range optionalGroups {
		if g == gk.Group {
			return true
		}
	}
	return false
}
