package cpflags

import (
	"slices"
	"sort"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KubeAPIServer returns the flags of every kube-apiserver mirror pod in kube-system, sorted
// by pod name; nil on a managed control plane.
func KubeAPIServer(s *check.Snapshot) []Component {
	return Of(s, "kube-apiserver")
}

// Component is the command line of one control-plane static pod, read from its mirror pod.
type Component struct {
	// Ref names the pod.
	Ref check.ObjectRef
	// Node is the node the pod runs on.
	Node string
	// Flags maps each flag name, without dashes, to its value; a flag given without a value maps
	// to "true". A flag given twice keeps its last value, as the components do.
	Flags map[string]string
}

// Components are the static pods of a self-managed (kubeadm-style) control plane.
var Components = []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"}

// Of returns the flags of every static pod of component ("kube-apiserver",
// "etcd", "kube-controller-manager" or "kube-scheduler") in kube-system, sorted by pod name.
// A pod counts when its component label names the component or, without that label, when its
// name starts with "<component>-"; pods of controllers other than their Node (mirror pods are
// owned by it) are not static pods. It returns nil on a managed control plane.
func Of(s *check.Snapshot, component string) []Component {
	var out []Component
	for _, p := range s.Pods {
		if !IsControlPlanePod(p, component) {
			continue
		}
		c := componentContainer(p, component)
		if c == nil {
			continue
		}
		out = append(out, Component{
			Ref:   check.ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name},
			Node:  p.Spec.NodeName,
			Flags: Parse(slices.Concat(c.Command, c.Args)),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref.Name < out[j].Ref.Name })
	return out
}

// IsControlPlanePod reports whether p is a static pod of the control-plane component in
// kube-system: by its component label, or by name when it has none.
func IsControlPlanePod(p *corev1.Pod, component string) bool {
	if p.Namespace != metav1.NamespaceSystem {
		return false
	}
	if owner := metav1.GetControllerOfNoCopy(p); owner != nil && owner.Kind != "Node" {
		return false
	}
	if c, ok := p.Labels["component"]; ok {
		return c == component
	}
	return strings.HasPrefix(p.Name, component+"-")
}

// componentContainer returns the component's container; static pods with a renamed container
// still run it first.
func componentContainer(p *corev1.Pod, component string) *corev1.Container {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == component {
			return &p.Spec.Containers[i]
		}
	}
	if len(p.Spec.Containers) > 0 {
		return &p.Spec.Containers[0]
	}
	return nil
}

// Parse reads "--name=value" and "--name value" arguments.
func Parse(argv []string) map[string]string {
	flags := map[string]string{}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimLeft(a, "-")
		if name, value, ok := strings.Cut(a, "="); ok {
			flags[name] = value
			continue
		}
		if i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") {
			flags[a] = argv[i+1]
			i++
			continue
		}
		flags[a] = "true"
	}
	return flags
}

// NameMatches reports whether the object's name or one of its app labels (app,
// app.kubernetes.io/name, k8s-app) matches one of the glob patterns.
func NameMatches(meta *metav1.ObjectMeta, patterns []string) bool {
	for _, n := range []string{meta.Name, meta.Labels["app.kubernetes.io/name"], meta.Labels["app"], meta.Labels["k8s-app"]} {
		if n != "" && glob.MatchAny(patterns, n) {
			return true
		}
	}
	return false
}
