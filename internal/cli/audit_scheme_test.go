package cli

import (
	"testing"

	"github.com/kubeposture/kubeposture/internal/operator"
)

// TestAuditSchemeMatchesOperator checks that audit reads the cluster with the kinds the
// operator's scheme knows.
func TestAuditSchemeMatchesOperator(t *testing.T) {
	s, err := auditScheme()
	if err != nil {
		t.Fatal(err)
	}
	got, want := s.AllKnownTypes(), operator.Scheme.AllKnownTypes()
	if len(got) != len(want) {
		t.Fatalf("audit's scheme knows %d types, the operator's %d", len(got), len(want))
	}
	for gvk, typ := range want {
		if got[gvk] != typ {
			t.Errorf("audit's scheme maps %s to %v, the operator's to %v", gvk, got[gvk], typ)
		}
	}
}
