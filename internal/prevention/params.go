package prevention

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// paramsFor is the profile's parameters as the policies read them: lists are one entry a line,
// patterns are anchored regular expressions.
func paramsFor(in Input) (*corev1.ConfigMap, error) {
	p := in.Params
	var registries []string
	for _, e := range p.TrustedRegistries {
		if re := registryRegexp(e); re != "" {
			registries = append(registries, re)
		}
	}
	var allow []string
	for _, a := range p.Workload.HostPathAllowlist {
		ns := ""
		if a.Namespace != "" && a.Namespace != "*" {
			ns = globRegexp(a.Namespace)
		}
		allow = append(allow, ns+"="+cleanPath(a.Path))
	}
	cm := &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: ParamsName(in.Profile), Namespace: in.ParamsNamespace, Labels: map[string]string{
			LabelManagedBy: FieldManager, LabelProfile: in.Profile,
		}},
		Data: map[string]string{
			"trustedRegistries":   strings.Join(registries, "\n"),
			"hostPathAllowlist":   strings.Join(allow, "\n"),
			"classificationLabel": p.ClassificationLabel,
			"ownerLabel":          p.OwnerLabel,
			"exposureLabel":       p.ExposureLabel,
			"appLabel":            p.AppLabel,
			"placeholder":         p.Lifecycle.PlaceholderLabelValue,
		},
	}
	for _, re := range registries {
		if _, err := regexp.Compile(re); err != nil {
			return nil, fmt.Errorf("spec.parameters.trustedRegistries: %w", err)
		}
	}
	return cm, nil
}

// registryRegexp matches registry/repository names an entry of trustedRegistries covers: a host,
// a host/path prefix, or a wildcard pattern of either (* matches any run of characters).
func registryRegexp(entry string) string {
	e := strings.ToLower(strings.TrimSpace(entry))
	e = strings.TrimPrefix(strings.TrimPrefix(e, "https://"), "http://")
	e = strings.TrimSuffix(e, "/")
	if e == "" {
		return ""
	}
	host, repo, hasPath := strings.Cut(e, "/")
	switch host {
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		host = "docker.io"
	}
	if !hasPath || repo == "*" {
		return "^" + wildcardRegexp(host) + "/.+$"
	}
	return "^" + wildcardRegexp(host) + "/" + wildcardRegexp(repo) + "(/.*)?$"
}

// wildcardRegexp turns a pattern where * matches any run of characters and ? one character into
// a regular expression.
func wildcardRegexp(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// globRegexp turns a name pattern where * matches any run of characters into an anchored
// regular expression.
func globRegexp(p string) string { return "^" + wildcardRegexp(p) + "$" }

// globsRegexp is one anchored regular expression matching any of the glob patterns; with no
// patterns it matches nothing.
func globsRegexp(patterns []string) string {
	var parts []string
	for _, p := range patterns {
		if p != "" {
			parts = append(parts, wildcardRegexp(p))
		}
	}
	if len(parts) == 0 {
		return "^\\b\\B$"
	}
	return "^(" + strings.Join(parts, "|") + ")$"
}

func socketRegexps(names []string) []string {
	var out []string
	for _, n := range names {
		if n != "" && n != "*" {
			out = append(out, "(^|/)"+wildcardRegexp(n)+"$")
		}
	}
	return out
}

func cleanPath(p string) string {
	if p == "" {
		return ""
	}
	return path.Clean(p)
}

func cleanPaths(ps []string) []string {
	var out []string
	for _, p := range ps {
		if c := cleanPath(p); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// celString quotes s as a CEL string literal.
func celString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}

func celList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = celString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
