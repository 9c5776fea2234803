package benchmarks_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// scaleSizes are the object counts of a synthetic cluster, shaped like the one `make bench`
// creates: two Deployments per namespace, each with a ReplicaSet and its pods, one Deployment in
// ten privileged, half the namespaces labelled and isolated, Roles with RoleBindings, Secrets
// and Nodes.
type scaleSizes struct{ Namespaces, Pods, RBAC, Secrets, Nodes int }

var (
	reference = scaleSizes{Namespaces: 1000, Pods: 10000, RBAC: 5000, Secrets: 3000, Nodes: 200}
	tenfold   = scaleSizes{Namespaces: 5000, Pods: 100000, RBAC: 20000, Secrets: 20000, Nodes: 1000}
)

// scaleEnv is the evaluation environment of the benchmarks: default parameters, every namespace.
func scaleEnv() benchmarks.Env {
	params := benchmarks.DefaultParams()
	return benchmarks.Env{Now: now, Params: params, Scope: benchmarks.NewScope(nil, nil, params.SystemNamespaces)}
}

// scaleSnapshot builds the synthetic cluster's snapshot. Pods are decoded from JSON one by one,
// as an informer decodes them, so they share no strings or maps.
func scaleSnapshot(tb testing.TB, sz scaleSizes) *benchmarks.Snapshot {
	tb.Helper()
	s := &benchmarks.Snapshot{Source: benchmarks.SourceCluster, SecretsRead: true, ServerVersion: "v1.37.2"}
	uid := 0
	nextUID := func() types.UID { uid++; return types.UID(fmt.Sprintf("00000000-0000-0000-0000-%012d", uid)) }
	created := metav1.NewTime(now.Add(-30 * 24 * 3600e9))
	meta := func(ns, name string, labels map[string]string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: ns, Name: name, UID: nextUID(), Labels: labels, CreationTimestamp: created, ResourceVersion: "1"}
	}
	for i := range sz.Nodes {
		s.Add(&corev1.Node{ObjectMeta: meta("", fmt.Sprintf("node-%03d", i), map[string]string{
			"kubernetes.io/hostname": fmt.Sprintf("node-%03d", i), "topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i%3)})})
	}
	for i := range sz.Namespaces {
		ns := &corev1.Namespace{ObjectMeta: meta("", fmt.Sprintf("bench-%04d", i), nil)}
		if i%2 == 0 {
			ns.Labels = map[string]string{
				"kubeposture.io/data-classification": "internal", "kubeposture.io/owner": "team-" + fmt.Sprint(i%20),
				"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted",
				"pod-security.kubernetes.io/audit": "restricted",
			}
		}
		s.Add(ns)
	}
	podsPerDeployment := max(1, sz.Pods/(sz.Namespaces*2))
	for i := range sz.Namespaces {
		ns := fmt.Sprintf("bench-%04d", i)
		for d := range 2 {
			name := fmt.Sprintf("app-%d", d)
			labels := map[string]string{"app.kubernetes.io/name": name}
			tmpl := scalePodTemplate(labels, d == 0 && (i%10 == 1 || i%10 == 5))
			dep := &appsv1.Deployment{ObjectMeta: meta(ns, name, labels), Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To(int32(podsPerDeployment)), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}
			dep.Generation = 1
			s.Add(dep)
			rs := &appsv1.ReplicaSet{ObjectMeta: meta(ns, name+"-5d4f8", labels), Spec: appsv1.ReplicaSetSpec{
				Replicas: ptr.To(int32(podsPerDeployment)), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: *tmpl.DeepCopy()}}
			rs.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: dep.UID, Controller: ptr.To(true)}}
			s.Add(rs)
			pod := &corev1.Pod{ObjectMeta: meta(ns, "", labels), Spec: *tmpl.Spec.DeepCopy()}
			pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}
			pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, QOSClass: corev1.PodQOSBurstable, PodIP: "10.0.0.1", HostIP: "192.168.0.1",
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: created}},
				ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true, Image: "registry.example.com/apps/app:1.4.2",
					ImageID:     "registry.example.com/apps/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
					ContainerID: "containerd://0123456789abcdef", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: created}}}}}
			raw, err := json.Marshal(pod)
			if err != nil {
				tb.Fatal(err)
			}
			for k := range podsPerDeployment {
				p := &corev1.Pod{}
				if err := json.Unmarshal(raw, p); err != nil {
					tb.Fatal(err)
				}
				p.Name = fmt.Sprintf("%s-%d", rs.Name, k)
				p.UID = nextUID()
				p.Spec.NodeName = fmt.Sprintf("node-%03d", (i*2+d+k)%max(sz.Nodes, 1))
				s.Add(p)
			}
		}
		if i%2 == 0 {
			s.Add(&networkingv1.NetworkPolicy{ObjectMeta: meta(ns, "default-deny", nil), Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}})
		}
		s.Add(&corev1.ServiceAccount{ObjectMeta: meta(ns, "default", nil)})
	}
	for i := range sz.RBAC / 2 {
		ns := fmt.Sprintf("bench-%04d", i%sz.Namespaces)
		s.Add(&rbacv1.Role{ObjectMeta: meta(ns, fmt.Sprintf("reader-%d", i), nil),
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps", "pods"}, Verbs: []string{"get", "list", "watch"}}}})
		s.Add(&rbacv1.RoleBinding{ObjectMeta: meta(ns, fmt.Sprintf("reader-%d", i), nil),
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: fmt.Sprintf("reader-%d", i)},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: fmt.Sprintf("team-%d", i%20)}}})
	}
	for i := range sz.Secrets {
		ns := fmt.Sprintf("bench-%04d", i%sz.Namespaces)
		s.Add(&corev1.Secret{ObjectMeta: meta(ns, fmt.Sprintf("credentials-%d", i), nil), Type: corev1.SecretTypeOpaque,
			Data: map[string][]byte{"username": nil, "password": nil}})
	}
	return s
}

// scalePodTemplate is the bench's pod template with the defaults the API server adds.
func scalePodTemplate(labels map[string]string, privileged bool) corev1.PodTemplateSpec {
	sc := &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true), RunAsNonRoot: ptr.To(true),
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	if privileged {
		sc = &corev1.SecurityContext{Privileged: ptr.To(true)}
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: ptr.To(false), RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst,
			TerminationGracePeriodSeconds: ptr.To(int64(30)), SchedulerName: corev1.DefaultSchedulerName, ServiceAccountName: "default",
			SecurityContext: &corev1.PodSecurityContext{}, EnableServiceLinks: ptr.To(true), Priority: ptr.To(int32(0)),
			PreemptionPolicy: ptr.To(corev1.PreemptLowerPriority),
			Tolerations: []corev1.Toleration{
				{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To(int64(300))},
				{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To(int64(300))},
			},
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.example.com/apps/app:1.4.2", ImagePullPolicy: corev1.PullAlways,
				TerminationMessagePath: corev1.TerminationMessagePathDefault, TerminationMessagePolicy: corev1.TerminationMessageReadFile,
				SecurityContext: sc,
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				},
			}},
		},
	}
}

var (
	scaleOnce  sync.Map // scaleSizes -> *benchmarks.Snapshot
	scaleMutex sync.Mutex
)

// cachedScaleSnapshot builds each size's snapshot once per process: building 100,000 pods
// takes longer than evaluating them.
func cachedScaleSnapshot(b *testing.B, sz scaleSizes) *benchmarks.Snapshot {
	scaleMutex.Lock()
	defer scaleMutex.Unlock()
	if s, ok := scaleOnce.Load(sz); ok {
		return s.(*benchmarks.Snapshot)
	}
	s := scaleSnapshot(b, sz)
	scaleOnce.Store(sz, s)
	return s
}

// benchmarkEvaluate evaluates every check at L3 on a fresh copy of the snapshot's objects, as
// each audit gets a fresh snapshot from the informer cache (derived values included).
func benchmarkEvaluate(b *testing.B, sz scaleSizes) {
	base := cachedScaleSnapshot(b, sz)
	checks := benchmarks.All()
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for b.Loop() {
		s := freshSnapshot(base)
		rep := benchmarks.Evaluate(s, scaleEnv(), checks, benchmarks.Options{Level: benchmarks.L3})
		if rep.Summary.Total == 0 {
			b.Fatal("no check ran")
		}
	}
	// On a shared machine wall time stretches with the load; the CPU time the process spent
	// (every goroutine, the garbage collector included) much less.
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// freshSnapshot returns a snapshot holding the same objects as base without derived values:
// base itself is never evaluated, so its copy starts with none.
func freshSnapshot(base *benchmarks.Snapshot) *benchmarks.Snapshot {
	s := *base
	return &s
}

// BenchmarkEvaluateReference evaluates the catalog on the reference cluster of `make bench`.
func BenchmarkEvaluateReference(b *testing.B) { benchmarkEvaluate(b, reference) }

// BenchmarkEvaluate100k evaluates the catalog on a cluster ten times the reference size.
func BenchmarkEvaluate100k(b *testing.B) { benchmarkEvaluate(b, tenfold) }
