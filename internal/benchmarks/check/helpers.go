package check

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Workload is a pod specification to judge once: the template of a top-level controller
// (Deployment, StatefulSet, DaemonSet, CronJob, ReplicationController, or a ReplicaSet or Job
// without one), or a pod that no known controller owns. A pod owned by a known controller is judged through its
// controller, so a finding names the Deployment and not each of its pods; only its ephemeral
// containers, which templates cannot have, are judged on the pod itself.
type Workload struct {
	// Ref is the object a finding names.
	Ref ObjectRef
	// Object is the workload's own metadata (annotations, owner references).
	Object *metav1.ObjectMeta
	// Template is the pod metadata the pods get (labels, annotations).
	Template *metav1.ObjectMeta
	// Spec is the pod specification.
	Spec *corev1.PodSpec
	// Pod is set when the workload is a pod, so checks can read its status.
	Pod *corev1.Pod
}

// AllWorkloads returns every workload of the snapshot, in scope or not, sorted by reference;
// checks read the ones in scope with Env.Workloads.
func (s *Snapshot) AllWorkloads() []Workload {
	d := s.derive()
	d.wlOnce.Do(func() { d.workloads = collectWorkloads(s) })
	return d.workloads
}

func collectWorkloads(s *Snapshot) []Workload {
	known := map[types.UID]bool{} // controllers whose template stands for their pods
	var out []Workload
	add := func(kind string, obj *metav1.ObjectMeta, tmpl *corev1.PodTemplateSpec) {
		known[obj.UID] = true
		out = append(out, Workload{
			Ref:      ObjectRef{Kind: kind, Namespace: obj.Namespace, Name: obj.Name},
			Object:   obj,
			Template: &tmpl.ObjectMeta,
			Spec:     &tmpl.Spec,
		})
	}
	for _, d := range s.Deployments {
		add("Deployment", &d.ObjectMeta, &d.Spec.Template)
	}
	for _, st := range s.StatefulSets {
		add("StatefulSet", &st.ObjectMeta, &st.Spec.Template)
	}
	for _, ds := range s.DaemonSets {
		add("DaemonSet", &ds.ObjectMeta, &ds.Spec.Template)
	}
	for _, cj := range s.CronJobs {
		add("CronJob", &cj.ObjectMeta, &cj.Spec.JobTemplate.Spec.Template)
	}
	for _, rc := range s.ReplicationControllers {
		if rc.Spec.Template != nil {
			add("ReplicationController", &rc.ObjectMeta, rc.Spec.Template)
		}
	}
	for _, rs := range s.ReplicaSets {
		if owner := metav1.GetControllerOfNoCopy(rs); owner != nil && known[owner.UID] {
			known[rs.UID] = true
			continue
		}
		add("ReplicaSet", &rs.ObjectMeta, &rs.Spec.Template)
	}
	for _, j := range s.Jobs {
		if owner := metav1.GetControllerOfNoCopy(j); owner != nil && known[owner.UID] {
			known[j.UID] = true
			continue
		}
		add("Job", &j.ObjectMeta, &j.Spec.Template)
	}
	for _, p := range s.Pods {
		ref := ObjectRef{Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
		if owner := metav1.GetControllerOfNoCopy(p); owner != nil && known[owner.UID] {
			if len(p.Spec.EphemeralContainers) > 0 {
				out = append(out, Workload{Ref: ref, Object: &p.ObjectMeta, Template: &p.ObjectMeta, Pod: p,
					Spec: &corev1.PodSpec{EphemeralContainers: p.Spec.EphemeralContainers, SecurityContext: p.Spec.SecurityContext,
						HostUsers: p.Spec.HostUsers, OS: p.Spec.OS}})
			}
			continue
		}
		out = append(out, Workload{Ref: ref, Object: &p.ObjectMeta, Template: &p.ObjectMeta, Spec: &p.Spec, Pod: p})
	}
	sort.Slice(out, func(i, j int) bool { return RefLess(out[i].Ref, out[j].Ref) })
	return out
}

func RefLess(a, b ObjectRef) bool {
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Name < b.Name
}

// ContainerKind says which list of a pod spec a container comes from.
type ContainerKind string

// Container kinds.
const (
	RegularContainer   ContainerKind = "container"
	InitContainer      ContainerKind = "initContainer"
	EphemeralContainer ContainerKind = "ephemeralContainer"
)

// EachContainer calls fn for every container, init container and ephemeral container of spec.
// Ephemeral containers are presented as Containers (the types share their fields).
func EachContainer(spec *corev1.PodSpec, fn func(c *corev1.Container, kind ContainerKind)) {
	for i := range spec.InitContainers {
		fn(&spec.InitContainers[i], InitContainer)
	}
	for i := range spec.Containers {
		fn(&spec.Containers[i], RegularContainer)
	}
	for i := range spec.EphemeralContainers {
		c := corev1.Container(spec.EphemeralContainers[i].EphemeralContainerCommon)
		fn(&c, EphemeralContainer)
	}
}

// ContainerNames lists "kind name" pairs for a message, such as `container "app"`.
func ContainerNames(names []string) string {
	if len(names) > 5 {
		return strings.Join(names[:5], ", ") + ", …"
	}
	return strings.Join(names, ", ")
}

// Truncate shortens s to at most n runes, marking the cut.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
