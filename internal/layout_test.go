// Package internal_test holds the tests of the layout rules every package under internal/
// keeps; each package's own tests are beside it.
package internal_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// generated matches the header Go's convention puts on generated files.
var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// TestFileSizes keeps every package under internal/ in files a reader can hold: no Go file that
// is not generated is over 600 lines, and no function that lists checks (one returning a slice
// of Check) is over 60.
func TestFileSizes(t *testing.T) {
	const maxFile, maxList = 600, 60
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if generated.Match(src) {
			return nil
		}
		if n := bytes.Count(src, []byte("\n")); n > maxFile {
			t.Errorf("internal/%s has %d lines, more than %d: split it by concern", path, n, maxFile)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil || !listsChecks(fd.Type) {
				continue
			}
			if lines := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; lines > maxList {
				t.Errorf("internal/%s: %s lists checks in %d lines, more than %d: give each check its own function", path, fd.Name.Name, lines, maxList)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// listsChecks reports whether a function returns only a slice of Check (check.Check, or Check
// inside package check).
func listsChecks(ft *ast.FuncType) bool {
	if ft.Results == nil || len(ft.Results.List) != 1 {
		return false
	}
	at, ok := ft.Results.List[0].Type.(*ast.ArrayType)
	if !ok {
		return false
	}
	switch elt := at.Elt.(type) {
	case *ast.SelectorExpr:
		return elt.Sel.Name == "Check"
	case *ast.Ident:
		return elt.Name == "Check"
	}
	return false
}
