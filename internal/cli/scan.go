package cli

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/gather"
	"github.com/kubeposture/kubeposture/internal/manifest"
)

// scanInputs are the manifests scan reads.
type scanInputs struct {
	files, kustomizations, charts, values []string
	namespace                             string
}

func (in *scanInputs) String() string {
	var parts []string
	parts = append(parts, in.files...)
	for _, k := range in.kustomizations {
		parts = append(parts, "-k "+k)
	}
	for _, c := range in.charts {
		parts = append(parts, "--chart "+c)
	}
	return strings.Join(parts, ", ")
}

// inputSummary tells what a scan read and what it did not inspect.
type inputSummary struct {
	Files   int `json:"files"`
	Objects int `json:"objects"`
	// Judged counts the objects of kinds some check reads.
	Judged int `json:"judged"`
	// Unread counts the objects of kinds no check reads, by apiVersion and kind.
	Unread []kindCount `json:"unreadKinds,omitempty"`
	// Converted counts objects read from a deprecated apiVersion, by declared and current type.
	Converted []conversionCount `json:"converted,omitempty"`
	// Skipped names the files that hold no Kubernetes object.
	Skipped []skippedFile `json:"skippedFiles,omitempty"`
	// firstFile locates findings about no particular object.
	firstFile string
}

type kindCount struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}

type conversionCount struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count"`
}

type skippedFile struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// locations maps an object (Kind/namespace/name) to where a scan read it.
type locations map[benchmarks.ObjectRef]location

type location struct {
	file string
	line int
}

// scanSnapshot reads the manifests into a snapshot, one object at a time. An unreadable
// document is an error naming its file and line; an input with no Kubernetes object is an
// error.
func scanSnapshot(in *scanInputs, streams IO, res *result) (*benchmarks.Snapshot, error) {
	snap := &benchmarks.Snapshot{Source: benchmarks.SourceManifests}
	sum := &inputSummary{}
	res.input, res.locs = sum, locations{}
	unread := map[string]int{}
	converted := map[[2]string]int{}
	l := &manifest.Loader{
		Options: manifest.Options{Namespace: in.namespace},
		Stdin:   streams.In,
		Warn: func(file, msg string) {
			sum.Skipped = append(sum.Skipped, skippedFile{File: file, Reason: msg})
			fmt.Fprintf(streams.Err, "kubeposture scan: warning: %s: %s\n", file, msg)
		},
	}
	add := func(o manifest.Object) error {
		sum.Objects++
		if sum.firstFile == "" {
			sum.firstFile = o.File
		}
		if o.Converted() {
			converted[[2]string{o.Declared.GroupVersion().String() + " " + o.Declared.Kind, o.GVK.GroupVersion().String()}]++
		}
		if !reads(snap, o) {
			unread[o.GVK.GroupVersion().String()+" "+o.GVK.Kind]++
			return nil
		}
		sum.Judged++
		if m, ok := o.Object.(metav1.Object); ok {
			ref := benchmarks.ObjectRef{Kind: o.GVK.Kind, Namespace: m.GetNamespace(), Name: m.GetName()}
			if _, dup := res.locs[ref]; !dup {
				res.locs[ref] = location{file: o.File, line: o.Line}
			}
		}
		return nil
	}
	if err := l.ReadPaths(in.files, add); err != nil {
		return nil, err
	}
	for _, k := range in.kustomizations {
		if err := l.ReadKustomization(k, add); err != nil {
			return nil, err
		}
	}
	for _, c := range in.charts {
		if err := l.ReadChart(c, in.values, add); err != nil {
			return nil, err
		}
	}
	sum.Files = l.Files
	for k, n := range unread {
		sum.Unread = append(sum.Unread, kindCount{Kind: k, Count: n})
	}
	sort.Slice(sum.Unread, func(i, j int) bool { return sum.Unread[i].Kind < sum.Unread[j].Kind })
	for k, n := range converted {
		sum.Converted = append(sum.Converted, conversionCount{From: k[0], To: k[1], Count: n})
	}
	sort.Slice(sum.Converted, func(i, j int) bool { return sum.Converted[i].From < sum.Converted[j].From })
	if sum.Objects == 0 {
		return nil, fmt.Errorf("no Kubernetes objects found in %s", in)
	}
	return snap, nil
}

// reads adds the object to the snapshot when some check reads its kind, and reports whether
// it did.
func reads(snap *benchmarks.Snapshot, o manifest.Object) bool {
	if u, ok := o.Object.(*unstructured.Unstructured); ok {
		if !gather.ReadsOptionalKind(u.GroupVersionKind().GroupKind()) {
			return false
		}
	}
	return snap.Add(o.Object)
}

// summaryLine is the one line that says what a scan read.
func (s *inputSummary) summaryLine() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Read %d %s from %d %s", s.Objects, plural(s.Objects, "object", "objects"), s.Files, plural(s.Files, "file", "files"))
	if n := s.Objects - s.Judged; n > 0 {
		var kinds []string
		for _, k := range s.Unread {
			kinds = append(kinds, fmt.Sprintf("%s (%d)", k.Kind, k.Count))
		}
		fmt.Fprintf(&b, "; %d of kinds no check reads: %s", n, strings.Join(kinds, ", "))
	}
	if n := len(s.Skipped); n > 0 {
		fmt.Fprintf(&b, "; skipped %d %s that %s no Kubernetes manifest", n, plural(n, "path", "paths"), plural(n, "is", "are"))
	}
	if len(s.Converted) > 0 {
		var conv []string
		for _, c := range s.Converted {
			conv = append(conv, fmt.Sprintf("%s → %s (%d)", c.From, c.To, c.Count))
		}
		fmt.Fprintf(&b, "; read from deprecated apiVersions: %s", strings.Join(conv, ", "))
	}
	b.WriteString(".")
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
