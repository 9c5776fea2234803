package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Stdin is the path that names standard input, as in `kubectl apply -f -`.
const Stdin = "-"

// StdinName is the file name objects read from standard input carry.
const StdinName = "<stdin>"

// Loader reads manifests from files, directories, standard input, kustomizations and Helm
// charts, one file at a time, passing each object on as it is decoded.
type Loader struct {
	Options
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
	// Warn is told of every file that is skipped and why; nil discards the warnings.
	Warn func(file, message string)
	// Files counts the files read.
	Files int
}

func (l *Loader) warn(file, format string, args ...any) {
	if l.Warn != nil {
		l.Warn(file, fmt.Sprintf(format, args...))
	}
}

// ReadPaths reads every .yaml, .yml and .json file under the given files and directories, in
// lexical order ("-" is standard input). A file that holds no Kubernetes object (a
// kustomization, a CI workflow, Helm values) and a Helm chart's directory are skipped with a
// warning; any other unreadable document is an *Error naming its file and line.
func (l *Loader) ReadPaths(paths []string, fn func(Object) error) error {
	for _, p := range paths {
		if p == Stdin {
			r := l.Stdin
			if r == nil {
				r = os.Stdin
			}
			data, err := io.ReadAll(r)
			if err != nil {
				return fmt.Errorf("reading standard input: %w", err)
			}
			if err := l.read(StdinName, data, fn); err != nil {
				return err
			}
			continue
		}
		files, err := l.list(p)
		if err != nil {
			return err
		}
		for _, f := range files {
			data, err := os.ReadFile(f) //nolint:gosec // reading the manifests the user named is the point
			if err != nil {
				return err
			}
			if err := l.read(f, data, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// read decodes one file's content, skipping it with a warning when it is not Kubernetes YAML.
func (l *Loader) read(name string, data []byte, fn func(Object) error) error {
	l.Files++
	err := Decode(name, data, l.Options, fn)
	var nk *NotKubernetesError
	if errors.As(err, &nk) {
		l.warn(name, "skipped: %s", nk.Reason)
		return nil
	}
	return err
}

// list returns the manifest files of a path: the path itself, or the .yaml, .yml and .json
// files under a directory, leaving out Helm charts (their templates are not YAML until
// rendered) and hidden directories such as .git.
func (l *Loader) list(root string) ([]string, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{root}, nil
	}
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err == nil {
				l.warn(path, "skipped: a Helm chart; render it with --chart %s", path)
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func fileExists(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
