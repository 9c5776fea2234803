package benchmarks_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const catalogPath = "github.com/kubeposture/kubeposture/internal/benchmarks"

// domainPackages are the catalog's domain packages, each holding the checks of one domain.
var domainPackages = []string{
	"workloads", "rbac", "network", "nodes", "controlplane", "secrets", "backups", "images", "logging", "organisation",
}

// packageImports returns the module-internal imports of the non-test Go files in dir.
func packageImports(t *testing.T, dir string) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/kubeposture/kubeposture/") {
				out[p] = append(out[p], filepath.Base(f))
			}
		}
	}
	return out
}

// TestDomainImports enforces the catalog's layering: a domain package imports only package
// check, the shared helper packages (internal/benchmarks/shared/...) and the API package for
// the names of remediation actions, never another domain
// or the root; check and the shared packages import no domain and not the root; and All in
// the root is the one place that imports every domain.
func TestDomainImports(t *testing.T) {
	isDomain := map[string]bool{}
	for _, d := range domainPackages {
		isDomain[catalogPath+"/"+d] = true
	}
	// Every directory with Go files below the root is a domain, check, fixtures or shared.
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || e.Name() == "testdata" {
			continue
		}
		switch p := catalogPath + "/" + e.Name(); {
		case isDomain[p], e.Name() == "check", e.Name() == "shared", e.Name() == "fixtures":
		default:
			t.Errorf("internal/benchmarks/%s is neither a domain listed in domainPackages nor check, shared or fixtures", e.Name())
		}
	}
	allowedForDomain := func(imp string) bool {
		// The API package names the remediation actions a check links to.
		return imp == catalogPath+"/check" || strings.HasPrefix(imp, catalogPath+"/shared/") ||
			imp == "github.com/kubeposture/kubeposture/api/v1alpha1"
	}
	for _, d := range domainPackages {
		for imp, files := range packageImports(t, d) {
			if !allowedForDomain(imp) {
				t.Errorf("domain package %s imports %s (in %s): a domain may import only check, shared packages and the API", d, imp, strings.Join(files, ", "))
			}
		}
	}
	var lower []string
	lower = append(lower, "check")
	shared, err := filepath.Glob(filepath.Join("shared", "*"))
	if err != nil {
		t.Fatal(err)
	}
	lower = append(lower, shared...)
	for _, dir := range lower {
		for imp, files := range packageImports(t, dir) {
			if isDomain[imp] || imp == catalogPath || imp == catalogPath+"/fixtures" {
				t.Errorf("%s imports %s (in %s): check and the shared packages import no domain and not the catalog root", dir, imp, strings.Join(files, ", "))
			}
		}
	}
	// The root imports every domain, and only registry.go does.
	root := packageImports(t, ".")
	for _, d := range domainPackages {
		files := root[catalogPath+"/"+d]
		if len(files) == 0 {
			t.Errorf("the catalog root does not import domain %s: its checks are missing from All", d)
		}
		for _, f := range files {
			if f != "registry.go" && f != "aliases.go" {
				t.Errorf("%s imports domain %s: only registry.go (All) imports the domains", f, d)
			}
		}
	}
}
