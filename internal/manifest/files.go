package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
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
// warning; any other unreadable document is an *Error naming its file and line. Files are
// decoded on every CPU, and their objects are passed to fn in order.
func (l *Loader) ReadPaths(paths []string, fn func(Object) error) error {
	var files []string
	for _, p := range paths {
		if p != Stdin {
			more, err := l.list(p)
			if err != nil {
				return err
			}
			files = append(files, more...)
			continue
		}
		if err := l.readFiles(files, fn); err != nil {
			return err
		}
		files = nil
		r := l.Stdin
		if r == nil {
			r = os.Stdin
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		if err := l.deliver(StdinName, decodeAll(StdinName, data, l.Options), fn); err != nil {
			return err
		}
	}
	return l.readFiles(files, fn)
}

// decoded is one file's objects, or why it has none.
type decoded struct {
	objs []Object
	err  error
}

func decodeAll(name string, data []byte, opts Options) decoded {
	var d decoded
	d.err = Decode(name, data, opts, func(o Object) error {
		d.objs = append(d.objs, o)
		return nil
	})
	return d
}

// fileBuffers hold one file's bytes while it is decoded, one in use per decoding worker: the
// decoders copy whatever they keep (the YAML parser its scalars, the JSON decoders their
// strings), so a buffer is free again once its file is decoded.
var fileBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledFile is the largest buffer kept for reuse; a rare large file's is left to the
// collector.
const maxPooledFile = 1 << 20

func decodeFile(name string, opts Options) decoded {
	f, err := os.Open(name) //nolint:gosec // reading the manifests the user named is the point
	if err != nil {
		return decoded{err: err}
	}
	buf := fileBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(f)
	_ = f.Close()
	var d decoded
	if err != nil {
		d.err = err
	} else {
		d = decodeAll(name, buf.Bytes(), opts)
	}
	if buf.Cap() <= maxPooledFile {
		fileBuffers.Put(buf)
	}
	return d
}

// readFiles decodes the files on GOMAXPROCS workers, at most a few files ahead of the one being
// delivered, so memory holds a bounded number of files whatever their count.
func (l *Loader) readFiles(files []string, fn func(Object) error) error {
	workers := runtime.GOMAXPROCS(0)
	if workers < 2 || len(files) < 2 {
		for _, f := range files {
			if err := l.deliver(f, decodeFile(f, l.Options), fn); err != nil {
				return err
			}
		}
		return nil
	}
	slots := make([]chan decoded, len(files))
	for i := range slots {
		slots[i] = make(chan decoded, 1)
	}
	window := make(chan struct{}, 2*workers)
	jobs := make(chan int)
	done := make(chan struct{})
	defer close(done)
	for range workers {
		go func() {
			for i := range jobs {
				slots[i] <- decodeFile(files[i], l.Options)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case window <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	for i, f := range files {
		d := <-slots[i]
		<-window
		if err := l.deliver(f, d, fn); err != nil {
			return err
		}
	}
	return nil
}

// deliver passes a decoded file's objects on, or skips it with a warning when it is not
// Kubernetes YAML.
func (l *Loader) deliver(name string, d decoded, fn func(Object) error) error {
	l.Files++
	var nk *NotKubernetesError
	if errors.As(d.err, &nk) {
		l.warn(name, "skipped: %s", nk.Reason)
		return nil
	}
	if d.err != nil {
		return d.err
	}
	for _, o := range d.objs {
		if err := fn(o); err != nil {
			return err
		}
	}
	return nil
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
