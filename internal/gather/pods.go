package gather

import (
	"reflect"
	"sync"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Pods are most of what the operator keeps in memory, and the pods of one controller are
// alike: a ReplicaSet's pods have equal containers, labels and owner references. The Pod cache
// transform therefore keeps one copy of each part that the last pod of the same controller had
// equal (reflect.DeepEqual, so nothing a check can see differs) and lets the pod point to it,
// and keeps of the status only what the checks read.
//
// Cached objects are read-only: the gatherer reads the informers' stores without copying, the
// checks must not modify the snapshot (TestChecksDoNotModifySnapshot), and the manager's
// client deep-copies what it reads from the cache. Sharing a part between pods is therefore
// invisible to every reader.

// podShape holds the parts of the last pod seen of one controller, for the next pod to share.
type podShape struct {
	labels          map[string]string
	annotations     map[string]string
	ownerReferences []metav1.OwnerReference
	initContainers  []corev1.Container
	containers      []corev1.Container
	volumes         []corev1.Volume
	tolerations     []corev1.Toleration
	nodeSelector    map[string]string
	imagePullSecret []corev1.LocalObjectReference
	securityContext *corev1.PodSecurityContext
	affinity        *corev1.Affinity
	topologySpread  []corev1.TopologySpreadConstraint
}

// podShapesSize bounds the controllers whose last pod is remembered; a pod of a controller that
// is not remembered keeps its own parts and becomes the one remembered.
const podShapesSize = 16384

// podShapes remembers the last pod's parts per controller UID. Its lock also guards the shapes.
type podShapeCache struct {
	mu     sync.Mutex
	shapes *lru.Cache[types.UID, *podShape]
}

var podShapes = newPodShapeCache(podShapesSize)

func newPodShapeCache(size int) *podShapeCache {
	c, err := lru.New[types.UID, *podShape](size)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &podShapeCache{shapes: c}
}

// share makes each part of pod that equals the same part of the controller's last pod point to
// that pod's copy, and remembers pod's parts for the next pod.
func (c *podShapeCache) share(pod *corev1.Pod) {
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil || owner.UID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	shape, ok := c.shapes.Get(owner.UID)
	if !ok {
		shape = &podShape{}
		c.shapes.Add(owner.UID, shape)
	}
	spec := &pod.Spec
	sharePart(&shape.labels, &pod.Labels)
	sharePart(&shape.annotations, &pod.Annotations)
	sharePart(&shape.ownerReferences, &pod.OwnerReferences)
	sharePart(&shape.initContainers, &spec.InitContainers)
	sharePart(&shape.containers, &spec.Containers)
	sharePart(&shape.volumes, &spec.Volumes)
	sharePart(&shape.tolerations, &spec.Tolerations)
	sharePart(&shape.nodeSelector, &spec.NodeSelector)
	sharePart(&shape.imagePullSecret, &spec.ImagePullSecrets)
	sharePart(&shape.securityContext, &spec.SecurityContext)
	sharePart(&shape.affinity, &spec.Affinity)
	sharePart(&shape.topologySpread, &spec.TopologySpreadConstraints)
}

// sharePart points *part to *kept when they are deeply equal, else remembers *part in *kept.
// A part that already is the kept one is not written: the transform may run again on an object
// the store holds, which readers may be reading.
func sharePart[T any](kept, part *T) {
	if identical(*kept, *part) {
		return
	}
	if reflect.DeepEqual(*kept, *part) {
		*part = *kept
		return
	}
	*kept = *part
}

// identical reports whether a and b, maps, slices or pointers, are both nil or the same memory.
func identical[T any](a, b T) bool {
	va, vb := reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem()
	switch va.Kind() {
	case reflect.Slice:
		if va.IsNil() || vb.IsNil() {
			return va.IsNil() == vb.IsNil()
		}
		return va.Len() == vb.Len() && va.Cap() == vb.Cap() && va.UnsafePointer() == vb.UnsafePointer()
	case reflect.Map, reflect.Pointer:
		return va.UnsafePointer() == vb.UnsafePointer()
	}
	return false
}

// trimPodStatus keeps the status fields the checks and remediation read: phase and reason,
// start time, conditions, and of each container status its name and state (when it started
// or finished). Addresses, QoS class, image IDs, restart counts, resources and the rest are
// dropped. A status with nothing to drop is left as it is, unwritten.
func trimPodStatus(st *corev1.PodStatus) {
	trimmed := corev1.PodStatus{
		Phase:                      st.Phase,
		Reason:                     st.Reason,
		StartTime:                  st.StartTime,
		Conditions:                 st.Conditions,
		InitContainerStatuses:      trimContainerStatuses(st.InitContainerStatuses),
		ContainerStatuses:          trimContainerStatuses(st.ContainerStatuses),
		EphemeralContainerStatuses: trimContainerStatuses(st.EphemeralContainerStatuses),
	}
	if !reflect.DeepEqual(trimmed, *st) {
		*st = trimmed
	}
}

// trimContainerStatuses returns the statuses with only their names and states: list itself
// when nothing else is set, else a new list.
func trimContainerStatuses(list []corev1.ContainerStatus) []corev1.ContainerStatus {
	trimmed := true
	for i := range list {
		if !reflect.DeepEqual(list[i], corev1.ContainerStatus{Name: list[i].Name, State: list[i].State}) {
			trimmed = false
			break
		}
	}
	if trimmed {
		return list
	}
	out := make([]corev1.ContainerStatus, len(list))
	for i := range list {
		out[i] = corev1.ContainerStatus{Name: list[i].Name, State: list[i].State}
	}
	return out
}

// podTransform is the Pod cache transform: what stripUnread drops, the status the checks do not
// read, and the parts a pod has in common with its controller's other pods, shared.
func podTransform(obj any) (any, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return stripUnread(obj)
	}
	if _, err := stripUnread(pod); err != nil {
		return nil, err
	}
	trimPodStatus(&pod.Status)
	podShapes.share(pod)
	internPodStrings(pod)
	return pod, nil
}

// internPodStrings replaces the short strings that many pods repeat (namespace, node, service
// account, policies, phase, condition types) with one shared copy of each.
func internPodStrings(pod *corev1.Pod) {
	intern(&pod.Namespace)
	intern(&pod.GenerateName)
	spec := &pod.Spec
	intern(&spec.NodeName)
	intern(&spec.ServiceAccountName)
	intern(&spec.DeprecatedServiceAccount)
	intern(&spec.SchedulerName)
	intern(&spec.DNSPolicy)
	intern(&spec.RestartPolicy)
	intern(&pod.Status.Phase)
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		intern(&c.Type)
		intern(&c.Status)
		intern(&c.Reason)
	}
}

// internedSize bounds the strings kept for internPodStrings: a string not among them stays the
// pod's own and becomes the one kept.
const internedSize = 65536

var interned = func() *lru.Cache[string, string] {
	c, err := lru.New[string, string](internedSize)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return c
}()

// intern points *s to the shared copy of its value; a string that already is that copy is not
// written (see sharePart).
func intern[S ~string](s *S) {
	if *s == "" {
		return
	}
	shared, ok := interned.Get(string(*s))
	if !ok {
		interned.Add(string(*s), string(*s))
		return
	}
	if unsafe.StringData(shared) != unsafe.StringData(string(*s)) {
		*s = S(shared)
	}
}
