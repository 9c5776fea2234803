package parity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/kubectl/pkg/util"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
	"github.com/kubeposture/kubeposture/internal/gather"
)

// applyMode is how a fixture's objects reach the API server.
type applyMode string

const (
	// clientSide is `kubectl apply`: the object is created with the last-applied annotation
	// holding its JSON, or three-way patched when it exists.
	clientSide applyMode = "client-side"
	// serverSide is `kubectl apply --server-side`, with kubectl's field manager.
	serverSide applyMode = "server-side"
)

// fieldManager is the field manager kubectl uses for server-side apply.
const fieldManager = "kubectl"

// statusManager writes the status a kubelet or a controller would write.
const statusManager = "parity-status-writer"

// waitTimeout bounds every wait for the API server or the cache.
const waitTimeout = 30 * time.Second

// cluster is the shared control plane the fixtures are applied to.
type cluster struct {
	config    *rest.Config
	client    client.Client // uncached
	clientset kubernetes.Interface
	discovery discovery.DiscoveryInterface
	mapper    meta.RESTMapper
	cache     cache.Cache
	// secrets are the gatherer's Secret informers, which hold Secrets instead of the cache.
	secrets *gather.SecretInformers
	scheme  *runtime.Scheme

	// statusResources caches, per group version, the resources that have a status subresource.
	statusResources map[schema.GroupVersion]map[string]bool
	// dirty is set when a cleanup failed: later fixtures would see its leftovers.
	dirty error
}

// liveObject is one object of a fixture as applied.
type liveObject struct {
	obj     *unstructured.Unstructured // as in the file, namespace defaulted
	mapping *meta.RESTMapping
	// before is the object as it was before the fixture, when it already existed (a built-in
	// namespace, say); cleanup restores it instead of deleting it.
	before *unstructured.Unstructured
	// statusWritten is set when the harness wrote the status subresource.
	statusWritten bool
	// isOwner is set when another object of the fixture names this one as its owner.
	isOwner bool
	// depth is the length of the chain of owners above this object within the fixture.
	depth int
}

func (o *liveObject) id() string {
	return o.mapping.GroupVersionKind.GroupKind().String() + "/" + o.key().String()
}

// linkOwners finds, for each object, the objects of the fixture its ownerReferences name (by
// the uid the fixture gave them, or by kind and name), and orders the objects so that owners are
// written first: the live uid of an owner is known only once it exists, and a controller sets
// it in the references of what it creates.
func linkOwners(objs []*liveObject) map[*liveObject]map[int]*liveObject {
	byUID := map[string]*liveObject{}
	byName := map[string]*liveObject{}
	for _, o := range objs {
		if uid := o.obj.GetUID(); uid != "" {
			byUID[string(uid)] = o
		}
		byName[o.obj.GetKind()+"/"+o.obj.GetNamespace()+"/"+o.obj.GetName()] = o
	}
	out := map[*liveObject]map[int]*liveObject{}
	for _, o := range objs {
		for i, ref := range o.obj.GetOwnerReferences() {
			owner := byUID[string(ref.UID)]
			if owner == nil {
				owner = byName[ref.Kind+"/"+o.obj.GetNamespace()+"/"+ref.Name]
			}
			if owner == nil || owner == o {
				continue
			}
			owner.isOwner = true
			if out[o] == nil {
				out[o] = map[int]*liveObject{}
			}
			out[o][i] = owner
		}
	}
	var depth func(o *liveObject, seen int) int
	depth = func(o *liveObject, seen int) int {
		d := 0
		if seen > len(objs) {
			return d
		}
		for _, owner := range out[o] {
			d = max(d, 1+depth(owner, seen+1))
		}
		return d
	}
	for _, o := range objs {
		o.depth = depth(o, 0)
	}
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].depth < objs[j].depth })
	return out
}

// withOwnerUIDs returns u with the uids of its owners within the fixture set to their live uids.
func withOwnerUIDs(u *unstructured.Unstructured, owners map[int]*liveObject, live map[*liveObject]types.UID) *unstructured.Unstructured {
	if len(owners) == 0 {
		return u
	}
	out := u.DeepCopy()
	refs := out.GetOwnerReferences()
	for i, owner := range owners {
		if uid, ok := live[owner]; ok {
			refs[i].UID = uid
		}
	}
	out.SetOwnerReferences(refs)
	return out
}

// ephemeralContainers returns the ephemeral containers of a Pod, or nil.
func ephemeralContainers(u *unstructured.Unstructured) []any {
	if u.GetKind() != "Pod" || u.GroupVersionKind().Group != "" {
		return nil
	}
	ec, _, _ := unstructured.NestedSlice(u.Object, "spec", "ephemeralContainers")
	return ec
}

func (o *liveObject) key() client.ObjectKey {
	return client.ObjectKey{Namespace: o.obj.GetNamespace(), Name: o.obj.GetName()}
}

func (o *liveObject) String() string {
	if ns := o.obj.GetNamespace(); ns != "" {
		return fmt.Sprintf("%s %s/%s", o.obj.GetKind(), ns, o.obj.GetName())
	}
	return fmt.Sprintf("%s %s", o.obj.GetKind(), o.obj.GetName())
}

// applyPhase orders a fixture's objects. Namespaces come first, as they must exist; objects that
// change admission (quota, limit ranges, webhooks, admission policies) come last, as if they were
// added after the workloads they judge, so that they judge them instead of rejecting them.
func applyPhase(gk schema.GroupKind) int {
	switch gk.String() {
	case "Namespace":
		return 0
	case "LimitRange", "ResourceQuota":
		return 2
	case "ValidatingAdmissionPolicy.admissionregistration.k8s.io",
		"ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io",
		"ValidatingWebhookConfiguration.admissionregistration.k8s.io",
		"MutatingWebhookConfiguration.admissionregistration.k8s.io":
		return 3
	}
	return 1
}

// readDocuments reads the objects of a fixture file as unstructured documents, as kubectl reads
// them, leaving out the FixtureOptions document.
func readDocuments(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the fixture files of this repository
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GroupVersionKind().Group == fixtures.Group {
			continue
		}
		out = append(out, u)
	}
}

// apply puts the fixture's objects on the cluster in the given mode, writes the status
// subresource where the fixture gives a status, and returns what it applied (cleanup deletes
// or restores it) even when it fails.
func (c *cluster) apply(ctx context.Context, path string, mode applyMode) ([]*liveObject, error) {
	docs, err := readDocuments(path)
	if err != nil {
		return nil, err
	}
	var objs []*liveObject
	declared := map[string]bool{}
	for _, u := range docs {
		gvk := u.GroupVersionKind()
		m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			return nil, fmt.Errorf("%s %s: the test API server does not serve this kind; add a minimal CRD for it under test/crds/optional: %w", gvk, u.GetName(), err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", gvk, u.GetName(), err)
		}
		if m.Scope.Name() == meta.RESTScopeNameNamespace && u.GetNamespace() == "" {
			u.SetNamespace(metav1.NamespaceDefault) // kubectl's default namespace
		}
		if gvk.GroupKind().String() == "Namespace" {
			declared[u.GetName()] = true
		}
		objs = append(objs, &liveObject{obj: u, mapping: m})
	}
	owners := linkOwners(objs)
	for _, o := range objs {
		// These are the API server's to set: an apply cannot choose them (server-side apply
		// rejects them, a create ignores them).
		for _, f := range []string{"uid", "creationTimestamp", "resourceVersion", "generation", "managedFields", "selfLink"} {
			unstructured.RemoveNestedField(o.obj.Object, "metadata", f)
		}
	}
	liveUIDs := map[*liveObject]types.UID{}

	// Objects live in namespaces: one the fixture does not declare exists, as a bare namespace.
	var applied []*liveObject
	for _, o := range objs {
		ns := o.obj.GetNamespace()
		if ns == "" || declared[ns] {
			continue
		}
		declared[ns] = true
		nsObj := &unstructured.Unstructured{}
		nsObj.SetAPIVersion("v1")
		nsObj.SetKind("Namespace")
		nsObj.SetName(ns)
		m, _ := c.mapper.RESTMapping(schema.GroupKind{Kind: "Namespace"}, "v1")
		lo := &liveObject{obj: nsObj, mapping: m}
		if err := c.saveBefore(ctx, lo); err != nil {
			return applied, err
		}
		if lo.before != nil {
			continue
		}
		applied = append(applied, lo)
		if err := c.client.Create(ctx, nsObj.DeepCopy()); err != nil {
			return applied, fmt.Errorf("creating namespace %s: %w", ns, err)
		}
	}

	// Namespaces enforcing a Pod Security level get the label after their pods exist, as on a
	// cluster where enforcement was turned on later.
	var enforcedLater []*liveObject
	for phase := 0; phase <= 3; phase++ {
		if phase == 3 {
			for _, o := range applied {
				if err := c.writeStatus(ctx, o); err != nil {
					return applied, err
				}
			}
		}
		for _, o := range objs {
			if applyPhase(o.mapping.GroupVersionKind.GroupKind()) != phase {
				continue
			}
			if err := c.saveBefore(ctx, o); err != nil {
				return applied, err
			}
			applied = append(applied, o)
			obj := o.obj
			if phase == 0 && enforcesPodSecurity(obj) {
				obj = withoutPodSecurityEnforcement(obj)
				enforcedLater = append(enforcedLater, o)
			}
			write := c.write
			if o.mapping.GroupVersionKind.Kind == "CertificateSigningRequest" {
				write = c.writeAsRequester
			}
			obj, ephemeral := withOwnerUIDs(obj, owners[o], liveUIDs), ephemeralContainers(obj)
			if ephemeral != nil {
				obj = obj.DeepCopy()
				unstructured.RemoveNestedField(obj.Object, "spec", "ephemeralContainers")
			}
			if err := write(ctx, obj, o.mapping, mode); err != nil {
				return applied, fmt.Errorf("applying %s (%s): %w", o, mode, err)
			}
			if ephemeral != nil {
				// Ephemeral containers are added to a running pod through their subresource, as
				// kubectl debug does.
				body, _ := json.Marshal(map[string]any{"spec": map[string]any{"ephemeralContainers": ephemeral}})
				if err := c.client.SubResource("ephemeralcontainers").Patch(ctx, obj.DeepCopy(), client.RawPatch(types.StrategicMergePatchType, body)); err != nil {
					return applied, fmt.Errorf("adding the ephemeral containers of %s: %w", o, err)
				}
			}
			if o.isOwner {
				cur := &unstructured.Unstructured{}
				cur.SetGroupVersionKind(o.mapping.GroupVersionKind)
				if err := c.client.Get(ctx, o.key(), cur); err != nil {
					return applied, err
				}
				liveUIDs[o] = cur.GetUID()
			}
		}
	}
	for _, o := range enforcedLater {
		if err := c.write(ctx, o.obj, o.mapping, mode); err != nil {
			return applied, fmt.Errorf("applying %s (%s): %w", o, mode, err)
		}
	}
	return applied, nil
}

func enforcesPodSecurity(u *unstructured.Unstructured) bool {
	for k := range u.GetLabels() {
		if strings.HasPrefix(k, "pod-security.kubernetes.io/enforce") {
			return true
		}
	}
	return false
}

func withoutPodSecurityEnforcement(u *unstructured.Unstructured) *unstructured.Unstructured {
	out := u.DeepCopy()
	labels := out.GetLabels()
	for k := range labels {
		if strings.HasPrefix(k, "pod-security.kubernetes.io/enforce") {
			delete(labels, k)
		}
	}
	out.SetLabels(labels)
	return out
}

// saveBefore records the object as it is before the fixture, if it exists.
func (c *cluster) saveBefore(ctx context.Context, o *liveObject) error {
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(o.mapping.GroupVersionKind)
	err := c.client.Get(ctx, o.key(), cur)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("reading %s: %w", o, err)
	}
	o.before = cur
	return nil
}

// writeAsRequester creates a CertificateSigningRequest as the user it names: the API server
// records the requesting user, as it does for a kubelet's request. The user may create requests
// (the node bootstrapper role) only while the request is written.
func (c *cluster) writeAsRequester(ctx context.Context, u *unstructured.Unstructured, m *meta.RESTMapping, mode applyMode) error {
	user, _, _ := unstructured.NestedString(u.Object, "spec", "username")
	if user == "" {
		return c.write(ctx, u, m, mode)
	}
	groups, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "groups")
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "parity-csr-requester"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:node-bootstrapper"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if err := c.client.Create(ctx, binding); err != nil {
		return fmt.Errorf("letting %s request certificates: %w", user, err)
	}
	m2, _ := c.mapper.RESTMapping(schema.GroupKind{Group: rbacv1.GroupName, Kind: "ClusterRoleBinding"}, "v1")
	bo := &liveObject{obj: &unstructured.Unstructured{}, mapping: m2}
	bo.obj.SetName(binding.Name)
	defer func() { _ = c.remove(ctx, bo) }()
	cfg := rest.CopyConfig(c.config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	cl, err := client.New(cfg, client.Options{Scheme: c.scheme, Mapper: c.mapper})
	if err != nil {
		return err
	}
	// A kubelet creates its request (in either mode: it does not apply). RBAC takes effect once
	// the authorizer's cache holds the binding.
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		err := cl.Create(ctx, u.DeepCopy())
		if apierrors.IsForbidden(err) {
			return false, nil
		}
		return err == nil, err
	})
}

// write applies one object in the given mode. When the change touches an immutable field, the
// object is deleted and created again, as `kubectl apply --force` does.
func (c *cluster) write(ctx context.Context, u *unstructured.Unstructured, m *meta.RESTMapping, mode applyMode) error {
	err := c.writeWith(ctx, c.client, u, m, mode)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "immutable") {
		return err
	}
	if err := c.replace(ctx, u, m); err != nil {
		return err
	}
	return c.writeWith(ctx, c.client, u, m, mode)
}

// replace deletes the live object named by u and waits until it is gone.
func (c *cluster) replace(ctx context.Context, u *unstructured.Unstructured, m *meta.RESTMapping) error {
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(m.GroupVersionKind)
	cur.SetNamespace(u.GetNamespace())
	cur.SetName(u.GetName())
	if err := c.client.Delete(ctx, cur); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		err := c.client.Get(ctx, client.ObjectKeyFromObject(cur), cur.DeepCopy())
		return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
	})
}

func (c *cluster) writeWith(ctx context.Context, cl client.Client, u *unstructured.Unstructured, m *meta.RESTMapping, mode applyMode) error {
	if mode == serverSide {
		// --force-conflicts: objects the cluster already holds (bootstrap RBAC, the kubernetes
		// EndpointSlice) have other managers.
		return cl.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.FieldOwner(fieldManager), client.ForceOwnership)
	}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(m.GroupVersionKind)
	err := c.client.Get(ctx, client.ObjectKeyFromObject(u), cur)
	if apierrors.IsNotFound(err) {
		obj := u.DeepCopy()
		if err := util.CreateApplyAnnotation(obj, unstructured.UnstructuredJSONScheme); err != nil {
			return err
		}
		return cl.Create(ctx, obj, client.FieldOwner("kubectl-client-side-apply"))
	}
	if err != nil {
		return err
	}
	// The object exists: kubectl computes a three-way patch between the last applied
	// configuration, the new one and the live object.
	modified, err := util.GetModifiedConfiguration(u.DeepCopy(), true, unstructured.UnstructuredJSONScheme)
	if err != nil {
		return err
	}
	original, err := util.GetOriginalConfiguration(cur)
	if err != nil {
		return err
	}
	current, err := json.Marshal(cur.Object)
	if err != nil {
		return err
	}
	var patch []byte
	patchType := types.StrategicMergePatchType
	if typed, err := c.scheme.New(m.GroupVersionKind); err == nil {
		lookup, err := strategicpatch.NewPatchMetaFromStruct(typed)
		if err != nil {
			return err
		}
		patch, err = strategicpatch.CreateThreeWayMergePatch(original, modified, current, lookup, true)
		if err != nil {
			return err
		}
	} else {
		patchType = types.MergePatchType
		if patch, err = jsonmergepatch.CreateThreeWayJSONMergePatch(original, modified, current); err != nil {
			return err
		}
	}
	return cl.Patch(ctx, cur, client.RawPatch(patchType, patch), client.FieldOwner("kubectl-client-side-apply"))
}

// hasStatusSubresource reports whether the resource of m serves a status subresource.
func (c *cluster) hasStatusSubresource(m *meta.RESTMapping) (bool, error) {
	gv := m.GroupVersionKind.GroupVersion()
	if c.statusResources == nil {
		c.statusResources = map[schema.GroupVersion]map[string]bool{}
	}
	rs, ok := c.statusResources[gv]
	if !ok {
		list, err := c.discovery.ServerResourcesForGroupVersion(gv.String())
		if err != nil {
			return false, fmt.Errorf("discovering %s: %w", gv, err)
		}
		rs = map[string]bool{}
		for _, r := range list.APIResources {
			if res, sub, ok := strings.Cut(r.Name, "/"); ok && sub == "status" {
				rs[res] = true
			}
		}
		c.statusResources[gv] = rs
	}
	return rs[m.Resource.Resource], nil
}

// writeStatus writes the fixture's status through the status subresource, as the kubelet or a
// controller would; a status on a resource without that subresource was applied with the
// object. A CertificateSigningRequest's approval goes through its approval subresource.
func (c *cluster) writeStatus(ctx context.Context, o *liveObject) error {
	status, ok := o.obj.Object["status"].(map[string]any)
	if !ok || len(status) == 0 {
		return nil
	}
	sub, err := c.hasStatusSubresource(o.mapping)
	if err != nil || !sub {
		return err
	}
	target := &unstructured.Unstructured{}
	target.SetGroupVersionKind(o.mapping.GroupVersionKind)
	target.SetNamespace(o.obj.GetNamespace())
	target.SetName(o.obj.GetName())
	if o.mapping.GroupVersionKind.Kind == "CertificateSigningRequest" {
		if conds, ok := status["conditions"].([]any); ok {
			var approval []any
			for _, cond := range conds {
				if m, ok := cond.(map[string]any); ok && (m["type"] == "Approved" || m["type"] == "Denied") {
					approval = append(approval, cond)
				}
			}
			if len(approval) > 0 {
				body, _ := json.Marshal(map[string]any{"status": map[string]any{"conditions": approval}})
				if err := c.client.SubResource("approval").Patch(ctx, target.DeepCopy(), client.RawPatch(types.MergePatchType, body), client.FieldOwner(statusManager)); err != nil {
					return fmt.Errorf("approving %s: %w", o, err)
				}
			}
		}
	}
	body, _ := json.Marshal(map[string]any{"status": status})
	if err := c.client.Status().Patch(ctx, target, client.RawPatch(types.MergePatchType, body), client.FieldOwner(statusManager)); err != nil {
		return fmt.Errorf("writing the status of %s: %w", o, err)
	}
	o.statusWritten = true
	return nil
}

// cleanup removes what a fixture applied, restores what existed before it, and waits until the
// API server and the cache no longer hold it.
func (c *cluster) cleanup(ctx context.Context, objs []*liveObject) error {
	var errs []error
	order := make([]*liveObject, 0, len(objs))
	for phase := 3; phase >= 0; phase-- {
		for i := len(objs) - 1; i >= 0; i-- {
			if applyPhase(objs[i].mapping.GroupVersionKind.GroupKind()) == phase {
				order = append(order, objs[i])
			}
		}
	}
	// Admission configuration goes first, so that it judges no deletion; namespaces go after
	// what they hold. The objects of each group go at once.
	seen := map[string]bool{}
	var mu sync.Mutex
	var admission, rest []*liveObject
	for _, o := range nonNamespaces(order) {
		if applyPhase(o.mapping.GroupVersionKind.GroupKind()) == 3 {
			admission = append(admission, o)
		} else {
			rest = append(rest, o)
		}
	}
	for _, group := range [][]*liveObject{admission, rest, namespaces(order)} {
		var wg sync.WaitGroup
		for _, o := range group {
			id := o.mapping.GroupVersionKind.GroupKind().String() + "/" + o.key().String()
			if seen[id] {
				continue
			}
			seen[id] = true
			wg.Go(func() {
				var err error
				if o.before != nil {
					err = c.restore(ctx, o)
				} else {
					err = c.remove(ctx, o)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}
	return errors.Join(errs...)
}

func isNamespace(o *liveObject) bool {
	return o.mapping.GroupVersionKind.Kind == "Namespace" && o.mapping.GroupVersionKind.Group == ""
}

func namespaces(objs []*liveObject) (out []*liveObject) {
	for _, o := range objs {
		if isNamespace(o) {
			out = append(out, o)
		}
	}
	return out
}

func nonNamespaces(objs []*liveObject) (out []*liveObject) {
	for _, o := range objs {
		if !isNamespace(o) {
			out = append(out, o)
		}
	}
	return out
}

// remove deletes an object and waits until it is gone from the API server and the cache. Its
// finalizers, which no controller here would clear, are removed.
func (c *cluster) remove(ctx context.Context, o *liveObject) error {
	target := &unstructured.Unstructured{}
	target.SetGroupVersionKind(o.mapping.GroupVersionKind)
	target.SetNamespace(o.obj.GetNamespace())
	target.SetName(o.obj.GetName())
	if isNamespace(o) {
		// No namespace controller runs here: the fixture's objects were deleted one by one, so
		// the namespace's own finalizer is cleared as that controller would.
		ns, err := c.clientset.CoreV1().Namespaces().Get(ctx, o.obj.GetName(), metav1.GetOptions{})
		if err == nil && len(ns.Spec.Finalizers) > 0 {
			ns.Spec.Finalizers = nil
			if _, err := c.clientset.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil {
				return fmt.Errorf("finalizing %s: %w", o, err)
			}
		}
	}
	opts := []client.DeleteOption{client.PropagationPolicy(metav1.DeletePropagationBackground), client.GracePeriodSeconds(0)}
	if err := c.client.Delete(ctx, target.DeepCopy(), opts...); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting %s: %w", o, err)
	}
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		cur := &unstructured.Unstructured{}
		cur.SetGroupVersionKind(o.mapping.GroupVersionKind)
		err := c.client.Get(ctx, o.key(), cur)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if isNamespace(o) {
			// The first delete of a namespace only starts its termination; with its finalizer
			// cleared, the next one removes it.
			if err := c.client.Delete(ctx, cur, opts...); err != nil && !apierrors.IsNotFound(err) {
				return false, err
			}
		}
		if len(cur.GetFinalizers()) > 0 {
			patch := []byte(`{"metadata":{"finalizers":null}}`)
			if err := c.client.Patch(ctx, cur, client.RawPatch(types.MergePatchType, patch)); err != nil && !apierrors.IsNotFound(err) {
				return false, err
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %s to be deleted: %w", o, err)
	}
	return c.waitCacheGone(ctx, o)
}

// restore puts back an object that existed before the fixture.
func (c *cluster) restore(ctx context.Context, o *liveObject) error {
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		cur := &unstructured.Unstructured{}
		cur.SetGroupVersionKind(o.mapping.GroupVersionKind)
		if err := c.client.Get(ctx, o.key(), cur); err != nil {
			return false, err
		}
		want := o.before.DeepCopy()
		want.SetResourceVersion(cur.GetResourceVersion())
		want.SetUID(cur.GetUID()) // the fixture may have replaced it
		want.SetManagedFields(nil)
		if err := c.client.Update(ctx, want); err != nil {
			if apierrors.IsConflict(err) {
				return false, nil
			}
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "immutable") {
				return false, err
			}
			// The fixture replaced it: it is replaced back.
			if err := c.replace(ctx, want, o.mapping); err != nil {
				return false, err
			}
			want.SetResourceVersion("")
			want.SetUID("")
			want.SetCreationTimestamp(metav1.Time{})
			if err := c.client.Create(ctx, want); err != nil {
				return false, err
			}
		}
		if o.statusWritten {
			if st, ok := o.before.Object["status"]; ok {
				want.Object["status"] = st
				if err := c.client.Status().Update(ctx, want); err != nil {
					if apierrors.IsConflict(err) {
						return false, nil
					}
					return false, err
				}
			}
		}
		return true, c.waitCache(ctx, o, want.GetResourceVersion())
	})
	if err != nil {
		return fmt.Errorf("restoring %s: %w", o, err)
	}
	return nil
}

// cacheObject returns an empty object of o's kind as the cache holds it: typed for the kinds
// of the scheme, unstructured for the optional kinds.
func (c *cluster) cacheObject(o *liveObject) client.Object {
	gvk := o.mapping.GroupVersionKind
	if typed, err := c.scheme.New(gvk); err == nil {
		if obj, ok := typed.(client.Object); ok {
			return obj
		}
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	return u
}

// waitCache waits until the cache holds o at resource version rv or later.
func (c *cluster) waitCache(ctx context.Context, o *liveObject, rv string) error {
	want, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return fmt.Errorf("%s: resource version %q: %w", o, rv, err)
	}
	return wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		if isSecret(o) {
			sec := c.storedSecret(o)
			if sec == nil {
				return false, nil
			}
			got, err := strconv.ParseUint(sec.ResourceVersion, 10, 64)
			return err == nil && got >= want, nil
		}
		obj := c.cacheObject(o)
		if err := c.cache.Get(ctx, o.key(), obj); err != nil {
			if apierrors.IsNotFound(err) {
				return false, nil
			}
			return false, err
		}
		got, err := strconv.ParseUint(obj.GetResourceVersion(), 10, 64)
		return err == nil && got >= want, nil
	})
}

func isSecret(o *liveObject) bool {
	return o.mapping.GroupVersionKind.Kind == "Secret" && o.mapping.GroupVersionKind.Group == ""
}

// storedSecret returns the Secret the gatherer's informers hold for o, or nil.
func (c *cluster) storedSecret(o *liveObject) *corev1.Secret {
	for _, sec := range c.secrets.List() {
		if sec.Namespace == o.obj.GetNamespace() && sec.Name == o.obj.GetName() {
			return sec
		}
	}
	return nil
}

// waitCacheGone waits until the cache no longer holds o.
func (c *cluster) waitCacheGone(ctx context.Context, o *liveObject) error {
	err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		if isSecret(o) {
			return c.storedSecret(o) == nil, nil
		}
		err := c.cache.Get(ctx, o.key(), c.cacheObject(o))
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("waiting for the cache to drop %s: %w", o, err)
	}
	return nil
}

// waitSynced waits until the cache holds every applied object as the API server holds it now.
func (c *cluster) waitSynced(ctx context.Context, objs []*liveObject) error {
	for _, o := range objs {
		cur := &unstructured.Unstructured{}
		cur.SetGroupVersionKind(o.mapping.GroupVersionKind)
		if err := c.client.Get(ctx, o.key(), cur); err != nil {
			return fmt.Errorf("reading %s back: %w", o, err)
		}
		if err := c.waitCache(ctx, o, cur.GetResourceVersion()); err != nil {
			return fmt.Errorf("waiting for the cache to hold %s: %w", o, err)
		}
	}
	return nil
}
