package tlshost

import "testing"

func TestCovers(t *testing.T) {
	cases := []struct {
		tlsHost, host string
		want          bool
	}{
		{"example.com", "example.com", true},
		{"Example.COM", "example.com", true},
		{"example.com", "www.example.com", false},
		{"*.example.com", "www.example.com", true},
		{"*.example.com", "WWW.Example.com", true},
		{"*.example.com", "example.com", false},
		{"*.example.com", "a.b.example.com", false},
		{"*.example.com", ".example.com", false},
		{"*.example.com", "*.example.com", true}, // a wildcard listener is covered by the same wildcard
		{"*.example.com", "*.b.example.com", false},
		{"www.*.com", "www.example.com", false}, // a wildcard only as the whole first label
		{"*", "example.com", false},
		{"10.0.0.1", "10.0.0.1", true},
		{"10.0.0.1", "10.0.0.2", false},
		// Where crypto/x509 differs from the matcher it replaced: a trailing dot, the fully
		// qualified form of a name, is ignored.
		{"*.example.com", "www.example.com.", true},
	}
	for _, tc := range cases {
		if got := Covers(tc.tlsHost, tc.host); got != tc.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", tc.tlsHost, tc.host, got, tc.want)
		}
	}
}

func TestCoveredBy(t *testing.T) {
	dns := []string{"api.example.com", "*.apps.example.com"}
	ips := []string{"10.0.0.1", "fd00::1", "not-an-ip"}
	cases := []struct {
		host string
		want bool
	}{
		{"api.example.com", true},
		{"shop.apps.example.com", true},
		{"example.com", false},
		{"10.0.0.1", true},
		{"fd00:0:0:0:0:0:0:1", true}, // the same address written out
		{"[fd00::1]", true},
		{"10.0.0.2", false},
		{"not-an-ip", false},
	}
	for _, tc := range cases {
		if got := CoveredBy(tc.host, dns, ips); got != tc.want {
			t.Errorf("CoveredBy(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}
