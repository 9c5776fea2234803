package glob

import (
	"path"
	"regexp"
	"strings"
)

// MatchAny reports whether name matches one of the non-empty patterns, with the semantics of Match.
func MatchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if p != "" && Match(p, name) {
			return true
		}
	}
	return false
}

// Wildcard matches s against a pattern where * matches any run of characters, slashes
// included, and ? one character, as Kyverno and Gatekeeper patterns do.
func Wildcard(pattern, s string) bool {
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// Sigstore matches the Sigstore policy-controller's globs: * stays within one path
// segment and ** crosses segments.
func Sigstore(glob, image string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; {
		case c == '*' && i+1 < len(glob) && glob[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(image)
}

// WildcardAny reports whether s matches one of the patterns, with the semantics of Wildcard.
func WildcardAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if Wildcard(p, s) {
			return true
		}
	}
	return false
}

// Match reports whether name matches pattern, where * matches any run of characters.
func Match(pattern, name string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}
