package prevention_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/client-go/discovery"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
	"github.com/kubeposture/kubeposture/internal/prevention"
	"github.com/kubeposture/kubeposture/test/envtest"
)

const paramsNamespace = "kubeposture-system"

var (
	k8s             client.Client
	discoveryClient discovery.DiscoveryInterface
	warnings        = &warningCollector{}
)

// warningCollector keeps the API server's warnings of the requests whose context carries a
// warning list.
type warningCollector struct{}

type warningsKey struct{}

type warningList struct {
	mu    sync.Mutex
	texts []string
}

func (warningCollector) HandleWarningHeaderWithContext(ctx context.Context, _ int, _ string, text string) {
	if w, ok := ctx.Value(warningsKey{}).(*warningList); ok {
		w.mu.Lock()
		w.texts = append(w.texts, text)
		w.mu.Unlock()
	}
}

func TestMain(m *testing.M) {
	env, err := envtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cfg := *env.Config
	cfg.WarningHandlerWithContext = warnings
	k8s, err = client.New(&cfg, client.Options{Scheme: envtest.Scheme})
	if err == nil {
		discoveryClient, err = discovery.NewDiscoveryClientForConfig(&cfg)
	}
	if err == nil {
		err = ensureNamespace(context.Background(), paramsNamespace, nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = env.Stop()
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// ensureNamespace creates the namespace, or sets its labels, and gives it a default
// ServiceAccount as the controller manager would.
func ensureNamespace(ctx context.Context, name string, labels map[string]string) error {
	// A binding deleted a moment ago may still be enforced, so a denial is retried.
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := setNamespace(ctx, name, labels)
		if err == nil || !strings.Contains(err.Error(), "ValidatingAdmissionPolicy") || time.Now().After(deadline) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func setNamespace(ctx context.Context, name string, labels map[string]string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if err := k8s.Create(ctx, ns); apierrors.IsAlreadyExists(err) {
		cur := &corev1.Namespace{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, cur); err != nil {
			return err
		}
		cur.Labels = labels
		if err := k8s.Update(ctx, cur); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: name}}
	if err := k8s.Create(ctx, sa); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// install creates the generated objects and removes them when the test ends, and fails on any
// type-checking warning about a policy.
func install(t *testing.T, set *prevention.Set) {
	t.Helper()
	ctx := context.Background()
	for _, o := range set.Objects() {
		obj := o.(client.Object)
		if err := k8s.Create(ctx, obj); err != nil {
			t.Fatalf("creating %s %s: %v", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetName(), err)
		}
		t.Cleanup(func() { _ = k8s.Delete(ctx, obj) })
	}
	// kube-controller-manager writes status.typeChecking in a cluster; envtest has none, so the
	// test runs the same type checker against the API server's schemas.
	checker := &validating.TypeChecker{SchemaResolver: &resolver.ClientDiscoveryResolver{Discovery: discoveryClient},
		RestMapper: k8s.RESTMapper()}
	for _, p := range set.Policies {
		for _, w := range checker.Check(p.Policy) {
			t.Errorf("%s: type checking warns about %s: %s", p.Check.ID, w.FieldRef, w.Warning)
		}
	}
}

// verdict is what the API server did with a dry-run create.
type verdict struct {
	denied   string   // the denial, or ""
	warnings []string // the warnings returned
	err      error    // any other error
}

func (v verdict) String() string {
	switch {
	case v.err != nil:
		return "error: " + v.err.Error()
	case v.denied != "":
		return "denied: " + v.denied
	case len(v.warnings) > 0:
		return "admitted with warnings: " + strings.Join(v.warnings, " | ")
	}
	return "admitted"
}

func (v verdict) warned(id string) bool {
	for _, w := range v.warnings {
		if strings.Contains(w, id+" ") {
			return true
		}
	}
	return false
}

// tryCreate creates obj with a server-side dry run, so admission runs and nothing is stored.
func tryCreate(obj client.Object) verdict {
	wl := &warningList{}
	ctx := context.WithValue(context.Background(), warningsKey{}, wl)
	err := k8s.Create(ctx, obj.DeepCopyObject().(client.Object), client.DryRunAll)
	v := verdict{warnings: wl.texts}
	if err != nil {
		if strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
			v.denied = err.Error()
		} else {
			v.err = err
		}
	}
	return v
}

// eventually retries probe until ok or 30s passed: a new binding takes a moment to be enforced.
func eventually(probe func() verdict, ok func(verdict) bool) verdict {
	deadline := time.Now().Add(30 * time.Second)
	for {
		v := probe()
		if ok(v) || v.err != nil || time.Now().After(deadline) {
			return v
		}
		time.Sleep(250 * time.Millisecond)
	}
}

const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// compliantSpec meets every rule at L3.
func compliantSpec() corev1.PodSpec {
	resources := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	return corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot:    ptr.To(true),
			SeccompProfile:  &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: ptr.To("profiles/app.json")},
			AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name:  "app",
			Image: "registry.example.com/shop/app:1.0" + digest,
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr.To(false),
				ReadOnlyRootFilesystem:   ptr.To(true),
				Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			},
			Resources: corev1.ResourceRequirements{Limits: resources, Requests: resources},
		}},
	}
}

func ctr(s *corev1.PodSpec) *corev1.SecurityContext { return s.Containers[0].SecurityContext }

// violations break exactly one rule each.
var violations = map[string]func(s *corev1.PodSpec, labels map[string]string){
	"WKL-001": func(s *corev1.PodSpec, _ map[string]string) {
		ctr(s).Privileged = ptr.To(true)
		ctr(s).AllowPrivilegeEscalation = nil // the API server refuses privileged without escalation
	},
	"WKL-002": func(s *corev1.PodSpec, _ map[string]string) {
		ctr(s).Capabilities.Add = []corev1.Capability{"SYS_ADMIN"}
	},
	"WKL-003": func(s *corev1.PodSpec, _ map[string]string) { ctr(s).Capabilities.Drop = nil },
	"WKL-004": func(s *corev1.PodSpec, _ map[string]string) { ctr(s).AllowPrivilegeEscalation = nil },
	"WKL-005": func(s *corev1.PodSpec, _ map[string]string) { s.SecurityContext.RunAsNonRoot = ptr.To(false) },
	"WKL-006": func(s *corev1.PodSpec, _ map[string]string) { ctr(s).RunAsUser = ptr.To[int64](1000) },
	"WKL-008": func(s *corev1.PodSpec, _ map[string]string) {
		s.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
	},
	"WKL-009": func(s *corev1.PodSpec, _ map[string]string) {
		s.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	},
	"WKL-010": func(s *corev1.PodSpec, _ map[string]string) {
		ctr(s).AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
	},
	"WKL-011": func(s *corev1.PodSpec, _ map[string]string) { ctr(s).ReadOnlyRootFilesystem = nil },
	"WKL-012": func(s *corev1.PodSpec, _ map[string]string) {
		s.Containers[0].Resources = corev1.ResourceRequirements{}
	},
	"WKL-013": func(s *corev1.PodSpec, _ map[string]string) { s.HostPID = true },
	"WKL-014": func(s *corev1.PodSpec, _ map[string]string) {
		s.Volumes = []corev1.Volume{{Name: "etc", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/etc"}}}}
		s.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "etc", MountPath: "/host/etc", ReadOnly: true}}
	},
	"WKL-023": func(_ *corev1.PodSpec, labels map[string]string) { delete(labels, "app.kubernetes.io/name") },
	"IMG-001": func(s *corev1.PodSpec, _ map[string]string) {
		s.Containers[0].Image = "registry.example.com/shop/app:latest"
	},
	"IMG-002": func(s *corev1.PodSpec, _ map[string]string) {
		s.Containers[0].Image = "registry.example.com/shop/app:1.0"
	},
	"IMG-003": func(s *corev1.PodSpec, _ map[string]string) { s.Containers[0].Image = "nginx:1.27" + digest },
	"RBAC-009": func(s *corev1.PodSpec, _ map[string]string) {
		s.AutomountServiceAccountToken = nil
	},
	"NET-007": func(s *corev1.PodSpec, _ map[string]string) {
		s.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}}
	},
}

// workloads returns a Pod and a controller of each kind around spec, named name.
func workloads(ns, name string, spec corev1.PodSpec, labels map[string]string) []client.Object {
	meta := metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}}, Spec: spec}
	for k, v := range labels {
		tmpl.Labels[k] = v
	}
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
	jobTmpl := *tmpl.DeepCopy()
	jobTmpl.Spec.RestartPolicy = corev1.RestartPolicyNever
	return []client.Object{
		&corev1.Pod{ObjectMeta: *meta.DeepCopy(), Spec: spec},
		&appsv1.Deployment{ObjectMeta: *meta.DeepCopy(), Spec: appsv1.DeploymentSpec{Selector: sel, Template: tmpl}},
		&appsv1.StatefulSet{ObjectMeta: *meta.DeepCopy(), Spec: appsv1.StatefulSetSpec{Selector: sel, Template: tmpl}},
		&appsv1.DaemonSet{ObjectMeta: *meta.DeepCopy(), Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}},
		&appsv1.ReplicaSet{ObjectMeta: *meta.DeepCopy(), Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: tmpl}},
		&corev1.ReplicationController{ObjectMeta: *meta.DeepCopy(), Spec: corev1.ReplicationControllerSpec{
			Selector: map[string]string{"app": name}, Template: &tmpl}},
		&batchv1.Job{ObjectMeta: *meta.DeepCopy(), Spec: batchv1.JobSpec{Template: jobTmpl}},
		&batchv1.CronJob{ObjectMeta: *meta.DeepCopy(), Spec: batchv1.CronJobSpec{Schedule: "0 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: jobTmpl}}}},
	}
}

func kindOf(o client.Object) string {
	t := fmt.Sprintf("%T", o)
	return t[strings.LastIndex(t, ".")+1:]
}

func baseInput(profile string, level benchmarks.Level, mode securityv1alpha1.PreventionMode, selector string) prevention.Input {
	p := benchmarks.DefaultParams()
	p.TrustedRegistries = []string{"registry.example.com"}
	return prevention.Input{
		Profile: profile, Options: benchmarks.Options{Level: level}, Params: p, Mode: mode,
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"prevention-test": selector}},
		ParamsNamespace:   paramsNamespace, Now: time.Now(),
	}
}

// TestEveryPolicyIsEnforcedByTheAPIServer installs, for every check with a rule, a Deny policy
// and a Warn policy each scoped to its own namespace, then sends the violating, compliant and
// exempted variants of a Pod and every controller.
func TestEveryPolicyIsEnforcedByTheAPIServer(t *testing.T) {
	ctx := context.Background()
	ids := prevention.Supported()
	for _, id := range ids {
		if violations[id] == nil {
			t.Errorf("%s has a rule but no violating fixture in this test", id)
		}
	}
	labels := func() map[string]string { return map[string]string{"app.kubernetes.io/name": "web"} }
	for _, id := range ids { // namespaces first: the WKL-023 policy judges namespaces too
		lower := strings.ToLower(id)
		for ns, sel := range map[string]string{"deny-" + lower: "deny-" + lower, "exempt-" + lower: "deny-" + lower, "warn-" + lower: "warn-" + lower} {
			if err := ensureNamespace(ctx, ns, map[string]string{"prevention-test": sel}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, id := range ids {
		lower := strings.ToLower(id)
		deny := baseInput("deny-"+lower, benchmarks.L3, securityv1alpha1.PreventionDeny, "deny-"+lower)
		deny.Checks = []string{id}
		deny.Options.Exemptions = []benchmarks.Exemption{
			{CheckID: id, Namespace: "exempt-" + lower, Name: "*", Reason: "the whole namespace is reviewed"},
			{CheckID: id, Namespace: "*", Name: "legacy-*", Reason: "legacy workloads are being rewritten"},
		}
		warn := baseInput("warn-"+lower, benchmarks.L3, securityv1alpha1.PreventionWarn, "warn-"+lower)
		warn.Checks = []string{id}
		for _, in := range []prevention.Input{deny, warn} {
			set, err := prevention.Generate(in)
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Policies) != 1 {
				t.Fatalf("%s: %d policies generated, want 1", in.Profile, len(set.Policies))
			}
			install(t, set)
		}
	}

	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			lower := strings.ToLower(id)
			bad, badLabels := compliantSpec(), labels()
			violations[id](&bad, badLabels)
			kinds := workloads("deny-"+lower, "web", bad, badLabels)
			if id != "WKL-001" {
				kinds = kinds[:2] // Pod and Deployment; WKL-001 covers every controller kind
			}
			for _, obj := range kinds {
				v := eventually(func() verdict { return tryCreate(obj) }, func(v verdict) bool { return v.denied != "" })
				if v.denied == "" || !strings.Contains(v.denied, id+" ") || !strings.Contains(v.denied, "checks.md#"+lower) {
					t.Errorf("violating %s in Deny: %s; want a denial naming %s and linking its docs", kindOf(obj), v, id)
				}
			}
			for _, obj := range workloads("warn-"+lower, "web", bad, badLabels)[:2] {
				v := eventually(func() verdict { return tryCreate(obj) }, func(v verdict) bool { return v.warned(id) })
				if v.denied != "" || v.err != nil || !v.warned(id) {
					t.Errorf("violating %s in Warn: %s; want admitted with a warning naming %s", kindOf(obj), v, id)
				}
			}
			for _, obj := range workloads("deny-"+lower, "web", compliantSpec(), labels()) {
				if v := tryCreate(obj); v.denied != "" || v.err != nil || len(v.warnings) > 0 {
					t.Errorf("compliant %s: %s; want admitted without warnings", kindOf(obj), v)
				}
			}
			exempted := append(workloads("exempt-"+lower, "web", bad, badLabels)[:2], workloads("deny-"+lower, "legacy-web", bad, badLabels)[:2]...)
			for _, obj := range exempted {
				if v := tryCreate(obj); v.denied != "" || v.err != nil {
					t.Errorf("exempted %s %s/%s: %s; want admitted", kindOf(obj), obj.GetNamespace(), obj.GetName(), v)
				}
			}
		})
	}
}

// TestL1ProfileDoesNotBlockHigherLevelRules: an L1 profile in Deny rejects a privileged pod but
// admits one that breaks only L2 and L3 rules, and enforces the L1 form of the labelling check.
func TestL1ProfileDoesNotBlockHigherLevelRules(t *testing.T) {
	ctx := context.Background()
	set, err := prevention.Generate(baseInput("level-one", benchmarks.L1, securityv1alpha1.PreventionDeny, "level-one"))
	if err != nil {
		t.Fatal(err)
	}
	install(t, set)
	if err := ensureNamespace(ctx, "level-one", map[string]string{"prevention-test": "level-one",
		"kubeposture.io/data-classification": "internal"}); err != nil {
		t.Fatal(err)
	}
	privileged := compliantSpec()
	violations["WKL-001"](&privileged, nil)
	for _, obj := range workloads("level-one", "priv", privileged, nil)[:2] {
		if v := eventually(func() verdict { return tryCreate(obj) }, func(v verdict) bool { return v.denied != "" }); !strings.Contains(v.denied, "WKL-001 ") {
			t.Errorf("privileged %s under an L1 profile: %s; want denied by WKL-001", kindOf(obj), v)
		}
	}
	higher := compliantSpec()
	for _, id := range []string{"WKL-011", "WKL-003", "IMG-002", "IMG-001", "WKL-009", "RBAC-009"} {
		violations[id](&higher, map[string]string{})
	}
	for _, obj := range workloads("level-one", "higher", higher, nil)[:2] {
		if v := tryCreate(obj); v.denied != "" || v.err != nil {
			t.Errorf("%s breaking only L2 and L3 rules under an L1 profile: %s; want admitted", kindOf(obj), v)
		}
	}
	unlabelled := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "level-one-new", Labels: map[string]string{"prevention-test": "level-one"}}}
	if v := eventually(func() verdict { return tryCreate(unlabelled) }, func(v verdict) bool { return v.denied != "" }); !strings.Contains(v.denied, "WKL-023 ") {
		t.Errorf("namespace without a classification label under an L1 profile: %s; want denied by WKL-023", v)
	}
	labelled := unlabelled.DeepCopy()
	labelled.Labels["kubeposture.io/data-classification"] = "internal"
	if v := tryCreate(labelled); v.denied != "" || v.err != nil {
		t.Errorf("classified namespace under an L1 profile: %s; want admitted (owner and exposure are L2)", v)
	}
}
