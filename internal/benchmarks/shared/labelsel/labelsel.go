package labelsel

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Matches applies sel to a label set with the API server's semantics
// (metav1.LabelSelectorAsSelector): a nil selector selects nothing, an empty one everything,
// and an invalid one nothing.
func Matches(sel *metav1.LabelSelector, set map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labels.Set(set))
}

// OrEverything returns sel, or an empty selector, which selects everything, when sel is nil:
// the meaning of an absent namespaceSelector in Kyverno, Gatekeeper and ValidatingAdmissionPolicy
// matching, where leaving the field out matches every namespace.
func OrEverything(sel *metav1.LabelSelector) *metav1.LabelSelector {
	if sel == nil {
		return &metav1.LabelSelector{}
	}
	return sel
}
