package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const workers = 48

func operatorCodecs() runtime.NegotiatedSerializer {
	return clientgoscheme.Codecs.WithoutConversion()
}

// pool runs jobs on a fixed number of goroutines and returns the first error.
type pool struct {
	jobs chan func() error
	wg   sync.WaitGroup
	once sync.Once
	err  error
}

func newPool(n int) *pool {
	p := &pool{jobs: make(chan func() error, n*4)}
	for range n {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for job := range p.jobs {
				if err := job(); err != nil {
					p.once.Do(func() { p.err = err })
				}
			}
		}()
	}
	return p
}

func (p *pool) wait() error {
	close(p.jobs)
	p.wg.Wait()
	return p.err
}

// createCluster creates the reference cluster concurrently. One Deployment in ten runs a
// privileged container; the even half of the namespaces are labelled, isolated and enforce the
// restricted Pod Security Standard.
func createCluster(ctx context.Context, c client.Client, sz sizes, count *int64) error {
	create := func(obj client.Object) error {
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %T %s/%s: %w", obj, obj.GetNamespace(), obj.GetName(), err)
		}
		atomic.AddInt64(count, 1)
		return nil
	}
	p := newPool(workers)
	for i := range sz.Nodes {
		p.jobs <- func() error { return create(node(i)) }
	}
	for i := range sz.Namespaces {
		p.jobs <- func() error { return create(namespace(i)) }
	}
	if err := p.wait(); err != nil {
		return err
	}

	p = newPool(workers)
	podsPerDeployment := max(1, sz.Pods/(sz.Namespaces*2))
	for i := range sz.Namespaces {
		ns := fmt.Sprintf("bench-%04d", i)
		for d := range 2 {
			p.jobs <- func() error {
				// Privileged workloads (one Deployment in ten) live in unlabelled, odd-numbered
				// namespaces, where Pod Security Admission does not enforce.
				privileged := d == 0 && (i%10 == 1 || i%10 == 5)
				return createWorkload(ctx, create, ns, fmt.Sprintf("app-%d", d), privileged, podsPerDeployment)
			}
		}
		if i%2 == 0 {
			p.jobs <- func() error { return create(defaultDeny(ns)) }
		}
	}
	for i := range sz.RBAC / 2 {
		ns := fmt.Sprintf("bench-%04d", i%sz.Namespaces)
		p.jobs <- func() error {
			if err := create(role(ns, i)); err != nil {
				return err
			}
			return create(roleBinding(ns, i))
		}
	}
	for i := range sz.Secrets {
		ns := fmt.Sprintf("bench-%04d", i%sz.Namespaces)
		p.jobs <- func() error { return create(secret(ns, i)) }
	}
	return p.wait()
}

func createWorkload(_ context.Context, create func(client.Object) error, ns, name string, privileged bool, pods int) error {
	labels := map[string]string{"app.kubernetes.io/name": name}
	tmpl := podTemplate(labels, privileged)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(pods)), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl,
		},
	}
	if err := create(d); err != nil {
		return err
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-5d4f8", Namespace: ns, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: name, UID: d.UID, Controller: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(int32(pods)), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
	}
	if err := create(rs); err != nil {
		return err
	}
	for k := range pods {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", rs.Name, k), Namespace: ns, Labels: labels,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
			Spec: *tmpl.Spec.DeepCopy(),
		}
		if err := create(pod); err != nil {
			return err
		}
	}
	return nil
}

func podTemplate(labels map[string]string, privileged bool) corev1.PodTemplateSpec {
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
			AutomountServiceAccountToken: ptr.To(false),
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.example.com/apps/app:1.4.2", ImagePullPolicy: corev1.PullAlways,
				SecurityContext: sc,
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				},
			}},
		},
	}
}

func privilegedPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "shell", Image: "busybox:1.36", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
		}}},
	}
}

func node(i int) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   fmt.Sprintf("node-%03d", i),
		Labels: map[string]string{"kubernetes.io/hostname": fmt.Sprintf("node-%03d", i), "topology.kubernetes.io/zone": fmt.Sprintf("zone-%d", i%3)},
	}}
}

func namespace(i int) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%04d", i)}}
	if i%2 == 0 {
		ns.Labels = map[string]string{
			"kubeposture.io/data-classification": "internal", "kubeposture.io/owner": "team-" + fmt.Sprint(i%20),
			"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted",
			"pod-security.kubernetes.io/audit": "restricted",
		}
	}
	return ns
}

func defaultDeny(ns string) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "default-deny", Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
		},
	}
}

func role(ns string, i int) *rbacv1.Role {
	return &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("reader-%d", i), Namespace: ns},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps", "pods"}, Verbs: []string{"get", "list", "watch"}}},
	}
}

func roleBinding(ns string, i int) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("reader-%d", i), Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: fmt.Sprintf("reader-%d", i)},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: fmt.Sprintf("team-%d", i%20)}},
	}
}

func secret(ns string, i int) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("credentials-%d", i), Namespace: ns},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"username": []byte("app"), "password": []byte(fmt.Sprintf("s3cret-%d", i))},
	}
}
