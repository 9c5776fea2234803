package netpol

import "testing"

func TestCalicoSelector(t *testing.T) {
	pod := map[string]string{"app": "web", "tier": "frontend", "projectcalico.org/namespace": "shop"}
	tests := []struct {
		sel  string
		want bool
	}{
		{"", true},
		{"all()", true},
		{"app == 'web'", true},
		{`app == "api"`, false},
		{"app != 'api'", true},
		{"has(tier)", true},
		{"!has(tier)", false},
		{"app in {'web', 'api'}", true},
		{"app not in {'web'}", false},
		{"app == 'web' && tier == 'backend'", false},
		{"app == 'api' || (tier starts with 'front' && !has(debug))", true},
		{"projectcalico.org/namespace == 'shop'", true},
		{"tier ends with 'end' && app contains 'e'", true},
		{"missing not in {'x'}", true},
	}
	for _, tt := range tests {
		sel, err := parseCalicoSelector(tt.sel)
		if err != nil {
			t.Errorf("%q: %v", tt.sel, err)
			continue
		}
		if got := sel.matches(pod); got != tt.want {
			t.Errorf("%q matches = %v, want %v", tt.sel, got, tt.want)
		}
	}
	for _, bad := range []string{"app = 'web'", "has(app", "app == web", "app in {'a'", "(app == 'a'", "app == 'a' &&"} {
		if _, err := parseCalicoSelector(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
