package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	rbacvalidation "k8s.io/component-helpers/auth/rbac/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

// allActions are every remediation action, so a run exercises every write the code can send.
var allActions = []securityv1alpha1.RemediationAction{
	securityv1alpha1.ActionDefaultDenyNetworkPolicy, securityv1alpha1.ActionPodSecurityLabels,
	securityv1alpha1.ActionQuarantineNetworkPolicy, securityv1alpha1.ActionDisableDefaultServiceAccountAutomount,
	securityv1alpha1.ActionDeleteExpiredBootstrapTokens, securityv1alpha1.ActionDeleteTerminatedPods,
	securityv1alpha1.ActionLabelNamespaces,
}

// shippedRole is one installed role with the namespace it grants in ("" for a ClusterRole).
type shippedRole struct {
	name, namespace string
	rules           []rbacv1.PolicyRule
}

func shippedRoles(t *testing.T) []shippedRole {
	t.Helper()
	var out []shippedRole
	for _, o := range suite.rbac {
		if o.GetKind() != "Role" && o.GetKind() != "ClusterRole" {
			continue
		}
		var r rbacv1.ClusterRole
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, shippedRole{name: o.GetName(), namespace: o.GetNamespace(), rules: r.Rules})
	}
	return out
}

// request is what RBAC authorizes: a verb on a resource (with subresource) in a namespace.
type request struct {
	verb, group, resource, namespace string
}

func (r request) String() string {
	g := r.group
	if g == "" {
		g = "core"
	}
	ns := r.namespace
	if ns == "" {
		ns = "cluster-wide"
	}
	return fmt.Sprintf("%s %s/%s (%s)", r.verb, g, r.resource, ns)
}

// granting returns the shipped roles that allow the request.
func granting(roles []shippedRole, r request) []string {
	rule := rbacv1.PolicyRule{Verbs: []string{r.verb}, APIGroups: []string{r.group}, Resources: []string{r.resource}}
	var out []string
	for _, role := range roles {
		if role.namespace != "" && role.namespace != r.namespace {
			continue
		}
		if ok, _ := rbacvalidation.Covers(role.rules, []rbacv1.PolicyRule{rule}); ok {
			out = append(out, role.name)
		}
	}
	return out
}

// grantedByTheCluster are requests every authenticated user may send (the cluster's own
// system:basic-user and system:discovery roles), which the shipped roles need not grant.
var grantedByTheCluster = map[string]bool{
	"authorization.k8s.io/selfsubjectaccessreviews": true,
	"authorization.k8s.io/selfsubjectrulesreviews":  true,
}

// readmeGrants reads the README's permission table: role name -> its "Grants" cell.
func readmeGrants(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(suite.root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// A row's first cell names one role, or a component's roles ("`a` and `b`").
	row := regexp.MustCompile("^\\| (`kubeposture-[a-z-]+`[^|]*)\\| ([^|]+) \\|")
	name := regexp.MustCompile("`(kubeposture-[a-z-]+)`")
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			for _, n := range name.FindAllStringSubmatch(m[1], -1) {
				out[n[1]] = m[2]
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("README.md has no permission table rows (| `kubeposture-…` | grants | …)")
	}
	return out
}

// documented reports whether the README's Grants cell of the role names the request: the verb and
// the resource in backquotes, or, for the generated audit role, list and watch of a checked kind.
func documented(cell string, r request) bool {
	if strings.Contains(cell, "every kind the checks read") && (r.verb == "list" || r.verb == "watch") {
		return true
	}
	return strings.Contains(cell, "`"+r.verb+"`") && strings.Contains(cell, "`"+r.resource+"`")
}

// TestEveryRequestIsGrantedByItsDocumentedRole runs every flow of the operator (audit with every
// reader, each remediation action applied, put back to DryRun, reverted by deleting the profile,
// leader election, metrics authorization) as its ServiceAccount with only the shipped roles, and
// checks each request it sent against the API server's audit log: it was allowed, exactly one
// shipped role grants it, and the README's table lists it for that role. Every permission of the
// hand-written roles must have been used.
func TestEveryRequestIsGrantedByItsDocumentedRole(t *testing.T) {
	ctx := context.Background()
	offset := auditOffset(t)
	ns := "perm-a"
	create(t, namespace(ns, "perm"),
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "perm-node"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls-a", Namespace: ns}, Type: corev1.SecretTypeOpaque, StringData: map[string]string{"k": "v"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-token-abcdef", Namespace: metav1.NamespaceSystem}, Type: corev1.SecretTypeBootstrapToken,
			StringData: map[string]string{"token-id": "abcdef", "token-secret": "0123456789abcdef",
				"expiration": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339), "usage-bootstrap-authentication": "true"}})
	terminatedPod(t, ns, "finished-long-ago")
	// A second namespace with a failure of its own gets an OpenReports Report, which is deleted
	// once the namespace leaves the profile's scope.
	const reported = "perm-b"
	create(t, namespace(reported, "perm"),
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: reported}, Data: map[string]string{"DB_PASSWORD": "hunter2"}})

	metricsPort := freePort(t)
	op := startOperator(t, "permissions", "--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", metricsPort), "--metrics-secure", "--openreports")
	eventually(t, 60*time.Second, "the operator to lead", func() bool { return leaseHolder(t) != "" })

	p := &securityv1alpha1.SecurityProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "permissions"},
		Spec: securityv1alpha1.SecurityProfileSpec{
			Level:             securityv1alpha1.LevelL3,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"e2e": "perm"}},
			Parameters:        securityv1alpha1.Parameters{ReadKubeletConfig: true},
			Remediation:       securityv1alpha1.Remediation{Mode: securityv1alpha1.RemediationEnabled, Actions: allActions, EnforcePodSecurity: true},
			// WKL-014's policy reads the profile's params ConfigMap.
			Prevention: securityv1alpha1.Prevention{Mode: securityv1alpha1.PreventionWarn, Checks: []securityv1alpha1.CheckSelector{"WKL-001", "WKL-014"}},
		},
	}
	create(t, p)
	progress("permissions: waiting for every action to be applied")
	waitProfile(t, p.Name, 90*time.Second, "every action applied", func(p *securityv1alpha1.SecurityProfile) bool {
		sa := &corev1.ServiceAccount{}
		_ = suite.admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "default"}, sa)
		return gone(t, &corev1.Pod{}, ns, "finished-long-ago") && gone(t, &corev1.Secret{}, metav1.NamespaceSystem, "bootstrap-token-abcdef") &&
			sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken && len(ownPolicies(t, ns)) > 0 &&
			p.Status.Remediation != nil && p.Status.Remediation.Applied+p.Status.Remediation.InPlace > 0 &&
			p.Status.Prevention != nil && p.Status.Prevention.Policies > 0 && preventionApplied(p.Status.Prevention)
	})
	scrapeMetrics(t, metricsPort)

	progress("permissions: OpenReports written, and a namespace's Report deleted when it leaves the scope")
	eventually(t, 30*time.Second, "a Report in "+reported+" and the ClusterReport", func() bool {
		return openReport(t, "Report", reported, "kubeposture-"+p.Name) && openReport(t, "ClusterReport", "", "kubeposture-"+p.Name)
	})
	// A second failure changes the Report, which is then applied again.
	create(t, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "more-settings", Namespace: reported}, Data: map[string]string{"API_TOKEN_PASSWORD": "hunter3"}})
	eventually(t, 30*time.Second, "the Report of "+reported+" to name the second ConfigMap", func() bool {
		return strings.Contains(openReportText(t, "Report", reported, "kubeposture-"+p.Name), "more-settings")
	})
	relabel := &corev1.Namespace{}
	if err := suite.admin.Get(ctx, client.ObjectKey{Name: reported}, relabel); err != nil {
		t.Fatal(err)
	}
	relabel.Labels["e2e"] = "perm-out"
	if err := suite.admin.Update(ctx, relabel); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the Report of "+reported+" deleted", func() bool {
		return !openReport(t, "Report", reported, "kubeposture-"+p.Name)
	})

	progress("permissions: a policy weakened by hand is restored")
	weakened := &networkingv1.NetworkPolicy{}
	if err := suite.admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "kubeposture-default-deny-ingress"}, weakened); err != nil {
		t.Fatal(err)
	}
	weak := client.MergeFrom(weakened.DeepCopy())
	weakened.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}} // allow all ingress
	if err := suite.admin.Patch(ctx, weakened, weak); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the weakened policy to be restored", func() bool {
		np := &networkingv1.NetworkPolicy{}
		return suite.admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "kubeposture-default-deny-ingress"}, np) == nil && len(np.Spec.Ingress) == 0
	})

	progress("permissions: DryRun reverts, Enabled again, then deleting the profile reverts through the finalizer")
	setMode(t, p.Name, securityv1alpha1.RemediationDryRun)
	eventually(t, 30*time.Second, "DryRun to remove the operator's NetworkPolicies", func() bool { return len(ownPolicies(t, ns)) == 0 })
	setMode(t, p.Name, securityv1alpha1.RemediationEnabled)
	eventually(t, 30*time.Second, "Enabled to create them again", func() bool { return len(ownPolicies(t, ns)) > 0 })
	deleteProfile(t, p.Name, 30*time.Second)
	if n := len(ownPolicies(t, ns)); n != 0 {
		t.Errorf("deleting the profile left %d of the operator's NetworkPolicies", n)
	}
	var vaps admissionregistrationv1.ValidatingAdmissionPolicyList
	if err := suite.admin.List(ctx, &vaps, client.MatchingLabels{"app.kubernetes.io/managed-by": "kubeposture"}); err != nil {
		t.Fatal(err)
	}
	if len(vaps.Items) != 0 {
		t.Errorf("deleting the profile left %d of its admission policies", len(vaps.Items))
	}
	op.stop(t)

	entries, _ := readAudit(t, offset)
	if len(entries) == 0 {
		t.Fatal("the audit log recorded no request of the operator")
	}
	roles := shippedRoles(t)
	readme := readmeGrants(t)
	used := map[string]map[request]bool{} // role -> requests it granted
	seen := map[request]bool{}
	for _, e := range entries {
		if e.ObjectRef == nil || e.ObjectRef.Resource == "" {
			continue // discovery and other non-resource URLs: granted to every user by system:discovery
		}
		res := e.ObjectRef.Resource
		if e.ObjectRef.Subresource != "" {
			res += "/" + e.ObjectRef.Subresource
		}
		reqs := []request{{verb: e.Verb, group: e.ObjectRef.APIGroup, resource: res, namespace: e.ObjectRef.Namespace}}
		if e.Verb == "patch" && e.ResponseStatus != nil && e.ResponseStatus.Code == http.StatusCreated {
			// A server-side apply that creates the object is also authorized as create.
			reqs = append(reqs, request{verb: "create", group: reqs[0].group, resource: res, namespace: reqs[0].namespace})
		}
		if d := e.Annotations["authorization.k8s.io/decision"]; d != "allow" {
			t.Errorf("%s was not allowed (%s): %s", reqs[0], d, e.Annotations["authorization.k8s.io/reason"])
			continue
		}
		for _, r := range reqs {
			if seen[r] {
				continue
			}
			seen[r] = true
			if grantedByTheCluster[r.group+"/"+r.resource] {
				continue
			}
			by := granting(roles, r)
			if len(by) != 1 {
				t.Errorf("%s is granted by %d shipped roles %v, want exactly one", r, len(by), by)
				continue
			}
			if used[by[0]] == nil {
				used[by[0]] = map[request]bool{}
			}
			used[by[0]][r] = true
			cell, ok := readme[by[0]]
			if !ok {
				t.Errorf("%s is granted by %s, which the README's permission table does not list", r, by[0])
			} else if !documented(cell, r) {
				t.Errorf("%s is granted by %s, but the README's table row for it does not name it: %q", r, by[0], cell)
			}
		}
	}
	var lines []string
	for role, reqs := range used {
		for r := range reqs {
			lines = append(lines, role+": "+r.String())
		}
	}
	sort.Strings(lines)
	t.Logf("requests of the operator by granting role:\n%s", strings.Join(lines, "\n"))

	// Every permission of the shipped roles was used, except list and watch in the generated
	// audit role (kinds of CRDs this cluster lacks are never read here) and Event patches, which
	// happen only when an Event repeats.
	for _, role := range roles {
		if role.name == "kubeposture-metrics-reader" {
			continue // for whoever scrapes the metrics, not for the operator
		}
		for _, rule := range role.rules {
			for _, b := range rbacvalidation.BreakdownRule(rule) {
				r := request{verb: b.Verbs[0], group: b.APIGroups[0], resource: b.Resources[0], namespace: role.namespace}
				if r.resource == "events" && r.verb == "patch" ||
					role.name == "kubeposture-audit" && (r.verb == "list" || r.verb == "watch") ||
					// Checked by the API server when it admits a policy with a ConfigMap paramKind.
					role.name == "kubeposture-prevention" && r.resource == "configmaps" && r.verb == "get" {
					continue
				}
				if r.verb == "list" && slices.Contains(rule.Verbs, "watch") {
					// Informers stream their initial list over the watch (WatchList) and list
					// only on API servers that cannot: list is used wherever watch is.
					r.verb = "watch"
				}
				if !usedAnywhere(used[role.name], r) {
					t.Errorf("%s grants %s, which the operator never sent", role.name, r)
				}
			}
		}
	}
}

func usedAnywhere(reqs map[request]bool, r request) bool {
	for u := range reqs {
		if u.verb == r.verb && u.group == r.group && u.resource == r.resource && (r.namespace == "" || u.namespace == r.namespace) {
			return true
		}
	}
	return false
}

// preventionApplied reports whether every generated policy is in place (none Failed or in
// Conflict).
func preventionApplied(st *securityv1alpha1.PreventionStatus) bool {
	for _, c := range st.Checks {
		if c.State == securityv1alpha1.PreventionStateFailed || c.State == securityv1alpha1.PreventionStateConflict {
			return false
		}
	}
	return len(st.Checks) > 0
}

// expiredBootstrapToken creates a bootstrap-token Secret in kube-system that expired two days
// ago, and deletes it when the test ends.
func expiredBootstrapToken(t *testing.T, id string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bootstrap-token-" + id, Namespace: metav1.NamespaceSystem}, Type: corev1.SecretTypeBootstrapToken,
		StringData: map[string]string{"token-id": id, "token-secret": "0123456789abcdef",
			"expiration": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339), "usage-bootstrap-authentication": "true"}}
	create(t, s)
	t.Cleanup(func() { _ = client.IgnoreNotFound(suite.admin.Delete(context.Background(), s)) })
}

// node creates a Node object with the node info a kubelet reports (no kubelet answers for it),
// and deletes it when the test ends.
func node(t *testing.T, name string) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	create(t, n)
	t.Cleanup(func() { _ = client.IgnoreNotFound(suite.admin.Delete(context.Background(), n)) })
	n.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", ContainerRuntimeVersion: "containerd://2.1.4",
		KernelVersion: "6.8.0-60-generic", OSImage: "Ubuntu 24.04.2 LTS", OperatingSystem: "linux", Architecture: "amd64"}
	if err := suite.admin.Status().Update(context.Background(), n); err != nil {
		t.Fatal(err)
	}
}

// terminatedPod creates a pod that succeeded 30 days ago.
func terminatedPod(t *testing.T, ns, name string) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/app@sha256:" + strings.Repeat("a", 64)}}}}
	create(t, p)
	finished := metav1.NewTime(time.Now().Add(-30 * 24 * time.Hour))
	p.Status.Phase = corev1.PodSucceeded
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: p.Spec.Containers[0].Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", StartedAt: finished, FinishedAt: finished}}}}
	if err := suite.admin.Status().Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

func gone(t *testing.T, obj client.Object, ns, name string) bool {
	t.Helper()
	err := suite.admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj)
	return apierrors.IsNotFound(err)
}

// ownPolicies lists the NetworkPolicies the operator created in a namespace.
func ownPolicies(t *testing.T, ns string) []networkingv1.NetworkPolicy {
	t.Helper()
	var l networkingv1.NetworkPolicyList
	if err := suite.admin.List(context.Background(), &l, client.InNamespace(ns), client.MatchingLabels{"app.kubernetes.io/managed-by": "kubeposture"}); err != nil {
		t.Fatal(err)
	}
	return l.Items
}

func setMode(t *testing.T, name string, mode securityv1alpha1.RemediationMode) {
	t.Helper()
	p := getProfile(t, name)
	patch := client.MergeFrom(p.DeepCopy())
	p.Spec.Remediation.Mode = mode
	if err := suite.admin.Patch(context.Background(), p, patch); err != nil {
		t.Fatal(err)
	}
}

// scrapeMetrics reads /metrics once with the operator's own token, which makes the metrics
// server authenticate (TokenReview) and authorize (SubjectAccessReview) the caller.
func scrapeMetrics(t *testing.T, port int) {
	t.Helper()
	token := suite.token
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the metrics server's self-signed certificate
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d/metrics", port), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("scraping metrics: %v", err)
	}
	resp.Body.Close()
}

// openReportText returns the OpenReports object as JSON, or "" when it does not exist.
func openReportText(t *testing.T, kind, ns, name string) string {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "openreports.io", Version: "v1alpha1", Kind: kind})
	if err := suite.admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return ""
		}
		t.Fatalf("reading %s %s/%s: %v", kind, ns, name, err)
	}
	b, err := u.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// openReport reports whether the OpenReports object (kind Report or ClusterReport) exists.
func openReport(t *testing.T, kind, ns, name string) bool {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "openreports.io", Version: "v1alpha1", Kind: kind})
	err := suite.admin.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, u)
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("reading %s %s/%s: %v", kind, ns, name, err)
	}
	return err == nil
}
