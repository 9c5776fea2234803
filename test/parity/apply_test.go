package parity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

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
	"k8s.io/kubectl/pkg/util"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/kubeposture/kubeposture/internal/benchmarks/fixtures"
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
	client    client.Client // uncached
	clientset kubernetes.Interface
	discovery discovery.DiscoveryInterface
	mapper    meta.RESTMapper
	cache     cache.Cache
	scheme    *runtime.Scheme

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
			if err := c.write(ctx, obj, o.mapping, mode); err != nil {
				return applied, fmt.Errorf("applying %s (%s): %w", o, mode, err)
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

// write applies one object in the given mode.
func (c *cluster) write(ctx context.Context, u *unstructured.Unstructured, m *meta.RESTMapping, mode applyMode) error {
	if mode == serverSide {
		return c.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), client.FieldOwner(fieldManager))
	}
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(m.GroupVersionKind)
	err := c.client.Get(ctx, client.ObjectKeyFromObject(u), cur)
	if apierrors.IsNotFound(err) {
		obj := u.DeepCopy()
		if err := util.CreateApplyAnnotation(obj, unstructured.UnstructuredJSONScheme); err != nil {
			return err
		}
		return c.client.Create(ctx, obj, client.FieldOwner("kubectl-client-side-apply"))
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
	return c.client.Patch(ctx, cur, client.RawPatch(patchType, patch), client.FieldOwner("kubectl-client-side-apply"))
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
	seen := map[string]bool{}
	for _, o := range order {
		id := o.mapping.GroupVersionKind.GroupKind().String() + "/" + o.key().String()
		if seen[id] {
			continue
		}
		seen[id] = true
		var err error
		if o.before != nil {
			err = c.restore(ctx, o)
		} else {
			err = c.remove(ctx, o)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// remove deletes an object and waits until it is gone from the API server and the cache. Its
// finalizers, which no controller here would clear, are removed.
func (c *cluster) remove(ctx context.Context, o *liveObject) error {
	target := &unstructured.Unstructured{}
	target.SetGroupVersionKind(o.mapping.GroupVersionKind)
	target.SetNamespace(o.obj.GetNamespace())
	target.SetName(o.obj.GetName())
	if o.mapping.GroupVersionKind.Kind == "Namespace" && o.mapping.GroupVersionKind.Group == "" {
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
		want.SetManagedFields(nil)
		if err := c.client.Update(ctx, want); err != nil {
			if apierrors.IsConflict(err) {
				return false, nil
			}
			return false, err
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

// waitCacheGone waits until the cache no longer holds o.
func (c *cluster) waitCacheGone(ctx context.Context, o *liveObject) error {
	err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
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
