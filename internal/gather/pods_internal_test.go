package gather

import (
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
)

func replicaSetPod(name, image string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web", "pod-template-hash": "5d4f8"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d4f8", UID: "rs-uid-1", Controller: ptr.To(true)}},
			ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager"}}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "web", Image: image, SecurityContext: &corev1.SecurityContext{RunAsNonRoot: ptr.To(true)}}},
			Tolerations: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute,
				TolerationSeconds: ptr.To(int64(300))}},
			NodeName: "node-1",
		},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.7", HostIP: "192.168.1.1", QOSClass: corev1.PodQOSBestEffort,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "web", Image: image, ImageID: "sha256:feed", ContainerID: "containerd://1", RestartCount: 3,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Unix(1700000000, 0)}}}}},
	}
}

// TestPodTransformSharesEqualPartsAndTrimsStatus: pods of one controller with equal containers
// share one copy of them; a pod whose containers differ keeps its own; every pod equals its
// original except for managedFields and the status fields no check reads.
func TestPodTransformSharesEqualPartsAndTrimsStatus(t *testing.T) {
	want := func(p *corev1.Pod) *corev1.Pod {
		w := p.DeepCopy()
		w.ManagedFields = nil
		w.Status = corev1.PodStatus{Phase: p.Status.Phase, Conditions: p.Status.Conditions,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "web", State: p.Status.ContainerStatuses[0].State}}}
		return w
	}
	transform := func(p *corev1.Pod) *corev1.Pod {
		out, err := podTransform(p)
		if err != nil {
			t.Fatal(err)
		}
		return out.(*corev1.Pod)
	}
	a, b, c := replicaSetPod("web-a", "nginx:1.27"), replicaSetPod("web-b", "nginx:1.27"), replicaSetPod("web-c", "nginx:1.28")
	wantA, wantB, wantC := want(a), want(b), want(c)
	a, b, c = transform(a), transform(b), transform(c)
	for _, tc := range []struct{ got, want *corev1.Pod }{{a, wantA}, {b, wantB}, {c, wantC}} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("pod %s changed by the transform:\ngot  %+v\nwant %+v", tc.want.Name, tc.got, tc.want)
		}
	}
	if &a.Spec.Containers[0] != &b.Spec.Containers[0] || &a.Spec.Tolerations[0] != &b.Spec.Tolerations[0] {
		t.Error("equal containers and tolerations of one controller's pods are not shared")
	}
	if &a.Spec.Containers[0] == &c.Spec.Containers[0] {
		t.Error("different containers are shared")
	}
	if &b.Spec.Tolerations[0] != &c.Spec.Tolerations[0] {
		t.Error("equal tolerations are not shared when the containers differ")
	}
	again := transform(b)
	if !reflect.DeepEqual(again, wantB) {
		t.Errorf("running the transform again changes the pod:\ngot  %+v\nwant %+v", again, wantB)
	}
}

// TestCacheTransformsKeepWhatChecksRead runs the objects of every fixture through the cache
// transform of their kind, as the informers do, and evaluates every check at L3 on the result
// and on the objects as the fixture loader reads them: the reports are identical. A field a
// transform drops is thus one no check reads in any fixture.
func TestCacheTransformsKeepWhatChecksRead(t *testing.T) {
	opts := CacheOptions()
	transformOf := func(obj runtime.Object) toolscache.TransformFunc {
		for kind, b := range opts.ByObject {
			if reflect.TypeOf(kind) == reflect.TypeOf(obj) && b.Transform != nil {
				return b.Transform
			}
		}
		return opts.DefaultTransform
	}
	checks := benchmarks.All()
	files, err := filepath.Glob(filepath.Join("..", "benchmarks", "testdata", "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures found: %v", err)
	}
	sort.Strings(files)
	byID := map[string]benchmarks.Check{}
	for _, c := range checks {
		byID[c.ID] = c
	}
	compared := 0
	for _, path := range files {
		c, ok := byID[filepath.Base(filepath.Dir(path))]
		if !ok {
			continue
		}
		f, err := fixtures.Load(c, path)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := f.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		cached := &benchmarks.Snapshot{}
		for _, o := range f.Objects {
			out, err := transformOf(o.Object)(o.Object.DeepCopyObject())
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			cached.Add(out)
		}
		if err := f.Configure(cached); err != nil {
			t.Fatal(err)
		}
		env, err := f.Env()
		if err != nil {
			t.Fatal(err)
		}
		want := benchmarks.Evaluate(plain, env, checks, benchmarks.Options{Level: benchmarks.L3})
		got := benchmarks.Evaluate(cached, env, checks, benchmarks.Options{Level: benchmarks.L3})
		for i := range want.Checks {
			w, g := want.Checks[i], got.Checks[i]
			id := w.Check.ID
			w.Check, g.Check = nil, nil // holds the Evaluate function, which DeepEqual never finds equal
			if !reflect.DeepEqual(w, g) {
				t.Errorf("%s: %s differs after the cache transforms:\ngot  %s %s %v\nwant %s %s %v", path, id,
					g.Result, g.Message, g.Findings, w.Result, w.Message, w.Findings)
			}
		}
		compared++
	}
	if compared == 0 {
		t.Fatal("no fixture compared")
	}
	t.Logf("compared the reports of %d fixtures", compared)
}
