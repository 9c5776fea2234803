package tlshost

import (
	"strings"
)

// Covers reports whether a TLS host (possibly a wildcard such as *.example.com) covers
// the rule host.
func Covers(tlsHost, host string) bool {
	if strings.EqualFold(tlsHost, host) {
		return true
	}
	suffix, ok := strings.CutPrefix(tlsHost, "*.")
	if !ok {
		return false
	}
	first, rest, ok := strings.Cut(host, ".")
	return ok && first != "" && first != "*" && strings.EqualFold(rest, suffix)
}
