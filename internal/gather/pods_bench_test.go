package gather

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// benchPodJSON is a pod of a ReplicaSet as the API server sends it to the informers: defaults,
// managedFields and the status a kubelet writes.
func benchPodJSON(b *testing.B, rs int) []byte {
	created := metav1.Unix(1700000000, 0)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("bench-%04d", rs/2), GenerateName: fmt.Sprintf("app-%d-5d4f8-", rs),
			Labels:          map[string]string{"app.kubernetes.io/name": fmt.Sprintf("app-%d", rs), "pod-template-hash": "5d4f8"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: fmt.Sprintf("app-%d-5d4f8", rs), UID: types.UID(fmt.Sprintf("rs-%d", rs)), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &created,
				FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:metadata":{"f:generateName":{},"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:pod-template-hash":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{".":{},"f:limits":{".":{},"f:cpu":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}}}}}}`)}}},
			CreationTimestamp: created, ResourceVersion: "12345",
		},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false), RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst,
			TerminationGracePeriodSeconds: ptr.To(int64(30)), SchedulerName: corev1.DefaultSchedulerName, ServiceAccountName: "default",
			SecurityContext: &corev1.PodSecurityContext{}, EnableServiceLinks: ptr.To(true), Priority: ptr.To(int32(0)),
			PreemptionPolicy: ptr.To(corev1.PreemptLowerPriority), NodeName: "node-001",
			Tolerations: []corev1.Toleration{
				{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To(int64(300))},
				{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To(int64(300))},
			},
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.example.com/apps/app:1.4.2", ImagePullPolicy: corev1.PullAlways,
				TerminationMessagePath: corev1.TerminationMessagePathDefault, TerminationMessagePolicy: corev1.TerminationMessageReadFile,
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true), RunAsNonRoot: ptr.To(true),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				},
			}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, QOSClass: corev1.PodQOSBurstable, PodIP: "10.0.3.17", PodIPs: []corev1.PodIP{{IP: "10.0.3.17"}},
			HostIP: "192.168.0.11", HostIPs: []corev1.HostIP{{IP: "192.168.0.11"}}, StartTime: &created,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: created},
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: created},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, Started: ptr.To(true), Image: "registry.example.com/apps/app:1.4.2",
				ImageID:     "registry.example.com/apps/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				ContainerID: "containerd://0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: created}}}}},
	}
	raw, err := json.Marshal(pod)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

// benchmarkPodHeap decodes pods of ReplicaSets of ten pods, as an informer does, runs transform
// on each, keeps them, and reports the heap they hold per pod.
func benchmarkPodHeap(b *testing.B, transform func(any) (any, error)) {
	const pods, perReplicaSet = 20000, 10
	raws := make([][]byte, pods/perReplicaSet)
	for i := range raws {
		raws[i] = benchPodJSON(b, i)
	}
	b.ReportAllocs()
	var perPod float64
	for b.Loop() {
		kept := make([]any, 0, pods)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range pods {
			p := &corev1.Pod{}
			if err := json.Unmarshal(raws[i/perReplicaSet], p); err != nil {
				b.Fatal(err)
			}
			p.Name, p.UID = fmt.Sprintf("%s%d", p.GenerateName, i), types.UID(fmt.Sprintf("pod-%d", i))
			out, err := transform(p)
			if err != nil {
				b.Fatal(err)
			}
			kept = append(kept, out)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perPod = float64(after.HeapAlloc-before.HeapAlloc) / pods
		runtime.KeepAlive(kept)
	}
	b.ReportMetric(perPod, "heapB/pod")
}

// BenchmarkPodHeapStripOnly holds pods as the default transform leaves them.
func BenchmarkPodHeapStripOnly(b *testing.B) { benchmarkPodHeap(b, stripUnread) }

// BenchmarkPodHeap holds pods as the Pod cache transform leaves them.
func BenchmarkPodHeap(b *testing.B) {
	podShapes = newPodShapeCache(podShapesSize)
	benchmarkPodHeap(b, podTransform)
}
