package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/test/envtest"
)

const (
	operatorNamespace = "kubeposture-system"
	operatorSA        = "kubeposture-controller-manager"
	operatorUser      = "system:serviceaccount:" + operatorNamespace + ":" + operatorSA
	leaseName         = "kubeposture.security.kubeposture.io"
)

// optionalComponents are the components of config/components; the suite installs all of them
// and removes them one at a time.
var optionalComponents = []string{
	"secrets-reader", "remediation", "remediation-serviceaccounts", "remediation-pods",
	"remediation-bootstrap-tokens", "node-proxy", "prevention", "openreports",
}

var suite struct {
	root       string
	env        *ctrlenvtest.Environment
	admin      client.Client
	cs         *kubernetes.Clientset
	adminCfg   *rest.Config
	auditLog   string
	managerBin string
	kubeconfig string
	token      string
	workDir    string
	rbac       []*unstructured.Unstructured // the shipped RBAC objects, as installed
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[e2e %s] "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func TestMain(m *testing.M) {
	code, err := runSuite(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e suite:", err)
		code = 1
	}
	os.Exit(code)
}

func runSuite(m *testing.M) (int, error) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	root, err := envtest.RepoRoot()
	if err != nil {
		return 1, err
	}
	suite.root = root
	suite.workDir, err = os.MkdirTemp("", "kubeposture-e2e-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(suite.workDir)

	progress("building the operator")
	suite.managerBin = filepath.Join(suite.workDir, "manager")
	build := exec.Command("go", "build", "-o", suite.managerBin, "./cmd")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return 1, fmt.Errorf("building the operator: %w", err)
	}

	progress("starting the local control plane with an audit log")
	if err := startControlPlane(); err != nil {
		return 1, err
	}
	defer func() { _ = suite.env.Stop() }()

	progress("installing the shipped roles and a token of the operator's ServiceAccount")
	if err := installRBAC(); err != nil {
		return 1, err
	}
	if err := writeOperatorKubeconfig(); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

func startControlPlane() error {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(suite.root, "bin", "k8s")
	}
	certDir := filepath.Join(suite.workDir, "apiserver")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return err
	}
	policy := filepath.Join(suite.workDir, "audit-policy.yaml")
	// Only the operator's requests are logged, at Metadata level: verb, resource, response code
	// and the authorizer's decision and reason.
	if err := os.WriteFile(policy, []byte(`apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["`+operatorUser+`"]
  - level: None
`), 0o600); err != nil {
		return err
	}
	suite.auditLog = filepath.Join(suite.workDir, "audit.log")
	reportsCRDs, err := openReportsCRDs()
	if err != nil {
		return err
	}
	suite.env = &ctrlenvtest.Environment{
		// The OpenReports CRDs come from the published module, so the operator's reports are
		// written to the kinds Policy Reporter reads.
		CRDDirectoryPaths:     []string{filepath.Join(suite.root, "config", "crd", "bases"), reportsCRDs},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
		Scheme:                envtest.Scheme,
		// kube-apiserver drains its watches before it exits, which can take longer than
		// envtest's default 20 s.
		ControlPlaneStopTimeout: 90 * time.Second,
		// On a loaded machine the API server can take longer than envtest's default 20 s to
		// become ready, at the first start and after restartAPIServer.
		ControlPlaneStartTimeout: 2 * time.Minute,
	}
	api := suite.env.ControlPlane.GetAPIServer()
	// A fixed certificate directory keeps the serving certificates and the ServiceAccount signing
	// key across API server restarts, so the operator's token stays valid.
	api.CertDir = certDir
	api.StartTimeout = 2 * time.Minute
	api.Configure().
		Set("audit-policy-file", policy).
		Set("audit-log-path", suite.auditLog).
		Set("audit-log-mode", "blocking")
	cfg, err := suite.env.Start()
	if err != nil {
		_ = suite.env.Stop()
		return fmt.Errorf("starting the local control plane from %s: %w", assets, err)
	}
	suite.adminCfg = cfg
	if suite.admin, err = client.New(cfg, client.Options{Scheme: envtest.Scheme}); err != nil {
		return err
	}
	suite.cs, err = kubernetes.NewForConfig(cfg)
	return err
}

// restartAPIServer kills the API server (etcd keeps running), keeps it down for down, and
// starts it again on the same address with the same certificates. It is killed rather than
// stopped: a graceful stop drains for tens of seconds on a loaded machine, which would stretch
// the outage.
func restartAPIServer(t *testing.T, down time.Duration) {
	t.Helper()
	api := suite.env.ControlPlane.GetAPIServer()
	pid := apiServerPID(t)
	progress("killing the API server (pid %d) for %s", pid, down)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing the API server: %v", err)
	}
	start := time.Now()
	_ = api.Stop() // reaps the killed process
	time.Sleep(down - time.Since(start))
	progress("starting the API server again")
	if err := api.Start(); err != nil {
		t.Fatalf("starting the API server again: %v", err)
	}
}

// apiServerPID finds the suite's kube-apiserver by its certificate directory, which is unique to
// this run.
func apiServerPID(t *testing.T) int {
	t.Helper()
	want := "--cert-dir=" + filepath.Join(suite.workDir, "apiserver")
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if len(args) > 0 && filepath.Base(args[0]) == "kube-apiserver" && slices.Contains(args, want) {
			return pid
		}
	}
	t.Fatalf("no kube-apiserver process runs with %s", want)
	return 0
}

// shippedManifests builds config/default with every optional component enabled, as a user's
// overlay would.
func shippedManifests() ([]*unstructured.Unstructured, error) {
	dir := filepath.Join(suite.workDir, "overlay")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	// kustomize takes only relative paths to other kustomizations.
	rel := func(p ...string) string {
		r, err := filepath.Rel(dir, filepath.Join(append([]string{suite.root, "config"}, p...)...))
		if err != nil {
			panic(err)
		}
		return r
	}
	var k strings.Builder
	k.WriteString("resources:\n  - " + rel("default") + "\ncomponents:\n")
	for _, c := range optionalComponents {
		if c == "secrets-reader" || c == "remediation" {
			continue // already in config/default
		}
		k.WriteString("  - " + rel("components", c) + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k.String()), 0o600); err != nil {
		return nil, err
	}
	res, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build of config/default with every component: %w", err)
	}
	var out []*unstructured.Unstructured
	for _, r := range res.Resources() {
		m, err := r.Map()
		if err != nil {
			return nil, err
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out, nil
}

func installRBAC() error {
	objs, err := shippedManifests()
	if err != nil {
		return err
	}
	ctx := context.Background()
	sort.SliceStable(objs, func(i, j int) bool { return objs[i].GetKind() == "Namespace" && objs[j].GetKind() != "Namespace" })
	for _, o := range objs {
		switch o.GetKind() {
		case "Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding":
		default:
			continue // the Deployment, Service, NetworkPolicy and CRDs: nothing runs them here
		}
		if err := suite.admin.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()), client.FieldOwner("e2e"), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying %s %s: %w", o.GetKind(), o.GetName(), err)
		}
		if strings.HasSuffix(o.GetKind(), "Role") || strings.HasSuffix(o.GetKind(), "Binding") {
			suite.rbac = append(suite.rbac, o)
		}
	}
	return nil
}

// bindingFor returns the shipped binding that grants the role of the component.
func bindingFor(t *testing.T, roleName string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range suite.rbac {
		if strings.HasSuffix(o.GetKind(), "Binding") {
			if name, _, _ := unstructured.NestedString(o.Object, "roleRef", "name"); name == roleName {
				return o
			}
		}
	}
	t.Fatalf("no shipped binding for role %s", roleName)
	return nil
}

// withoutRole deletes the binding of a shipped role for the rest of the test, and restores it.
func withoutRole(t *testing.T, roleName string) {
	t.Helper()
	b := bindingFor(t, roleName)
	ctx := context.Background()
	if err := suite.admin.Delete(ctx, b.DeepCopy()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := suite.admin.Apply(ctx, client.ApplyConfigurationFromUnstructured(b.DeepCopy()), client.FieldOwner("e2e"), client.ForceOwnership); err != nil {
			t.Errorf("restoring %s: %v", b.GetName(), err)
		}
	})
}

func writeOperatorKubeconfig() error {
	exp := int64(24 * 3600)
	tr, err := suite.cs.CoreV1().ServiceAccounts(operatorNamespace).CreateToken(context.Background(), operatorSA,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("requesting a token for %s: %w", operatorSA, err)
	}
	suite.token = tr.Status.Token
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{Server: suite.adminCfg.Host, CertificateAuthorityData: suite.adminCfg.CAData}
	kc.AuthInfos["operator"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: "operator"}
	kc.CurrentContext = "e2e"
	suite.kubeconfig = filepath.Join(suite.workDir, "operator.kubeconfig")
	return clientcmd.WriteToFile(*kc, suite.kubeconfig)
}

// operatorProcess is one running replica of the operator.
type operatorProcess struct {
	name   string
	cmd    *exec.Cmd
	log    string
	done   chan struct{}
	err    error
	probes string
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startOperator runs the operator binary as the operator's ServiceAccount, with leader election
// as the shipped Deployment runs it. It is killed when the test ends.
func startOperator(t *testing.T, name string, extra ...string) *operatorProcess {
	t.Helper()
	if running.Load() == 0 {
		// A replica that died without releasing the Lease (an earlier test's) is not waited for.
		lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: leaseName}}
		if err := suite.admin.Delete(context.Background(), lease); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	p := &operatorProcess{name: name, log: filepath.Join(suite.workDir, name+".log"), done: make(chan struct{})}
	p.probes = fmt.Sprintf("127.0.0.1:%d", freePort(t))
	args := append([]string{"--kubeconfig", suite.kubeconfig, "--leader-elect", "--leader-election-namespace", operatorNamespace,
		"--metrics-bind-address", "0", "--health-probe-bind-address", p.probes, "--min-audit-interval", "200ms",
		"--zap-log-level", "info"}, extra...)
	logFile, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(suite.managerBin, args...) //nolint:gosec // the binary built by this suite
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	progress("started operator %s (pid %d)", name, p.cmd.Process.Pid)
	running.Add(1)
	go func() {
		p.err = p.cmd.Wait()
		running.Add(-1)
		logFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of operator %s:\n%s", name, tail(p.log, 60))
		}
	})
	return p
}

func (p *operatorProcess) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL (kill -9) and waits for the process to end.
func (p *operatorProcess) kill() {
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// stop sends SIGTERM, as the kubelet does, and waits for a clean exit.
func (p *operatorProcess) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill()
		t.Errorf("operator %s did not stop within 30s of SIGTERM", p.name)
	}
}

func tail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// leaseHolder returns the identity holding the leader-election Lease, or "".
func leaseHolder(t *testing.T) string {
	t.Helper()
	l := &coordinationv1.Lease{}
	if err := suite.admin.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace, Name: leaseName}, l); err != nil {
		if apierrors.IsNotFound(err) {
			return ""
		}
		t.Fatal(err)
	}
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func getProfile(t *testing.T, name string) *securityv1alpha1.SecurityProfile {
	t.Helper()
	p := &securityv1alpha1.SecurityProfile{}
	if err := suite.admin.Get(context.Background(), client.ObjectKey{Name: name}, p); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		t.Fatal(err)
	}
	return p
}

// waitProfile waits until the profile satisfies cond, and returns it.
func waitProfile(t *testing.T, name string, timeout time.Duration, what string, cond func(*securityv1alpha1.SecurityProfile) bool) *securityv1alpha1.SecurityProfile {
	t.Helper()
	var last *securityv1alpha1.SecurityProfile
	deadline := time.Now().Add(timeout)
	for {
		last = getProfile(t, name)
		if last != nil && cond(last) {
			return last
		}
		if time.Now().After(deadline) {
			var shown any
			if last != nil {
				shown = map[string]any{"conditions": last.Status.Conditions, "remediation": last.Status.Remediation, "prevention": last.Status.Prevention}
			}
			status, _ := yaml.Marshal(shown)
			t.Fatalf("timed out after %s waiting for SecurityProfile %s: %s\n%s", timeout, name, what, status)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := suite.admin.Create(context.Background(), o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

func namespace(name, scope string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"e2e": scope}}}
}

// deleteProfile deletes a profile and waits until it is gone (its finalizer released).
func deleteProfile(t *testing.T, name string, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	err := suite.admin.Delete(ctx, &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	eventually(t, timeout, "SecurityProfile "+name+" to be gone", func() bool { return getProfile(t, name) == nil })
}

// auditEntry is one request of the operator, as the API server's audit log records it.
type auditEntry struct {
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Namespace   string `json:"namespace"`
		APIGroup    string `json:"apiGroup"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
	Annotations map[string]string `json:"annotations"`
	Stage       string            `json:"stage"`
}

var auditMu sync.Mutex

// running counts the operator processes of the suite that have not exited.
var running atomic.Int32

// readAudit returns the operator's requests logged since offset, and the new offset.
func readAudit(t *testing.T, offset int64) ([]auditEntry, int64) {
	t.Helper()
	auditMu.Lock()
	defer auditMu.Unlock()
	f, err := os.Open(suite.auditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		t.Fatal(err)
	}
	var out []auditEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := offset
	for sc.Scan() {
		line := sc.Bytes()
		n += int64(len(line)) + 1
		var e auditEntry
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("audit log line: %v", err)
		}
		if e.User.Username == operatorUser {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, bufio.ErrTooLong) {
		t.Fatal(err)
	}
	return out, n
}

func auditOffset(t *testing.T) int64 {
	t.Helper()
	st, err := os.Stat(suite.auditLog)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// openReportsCRDs is the CRD directory of the published github.com/openreports/reports-api
// module, as the Go toolchain downloaded it.
func openReportsCRDs() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/openreports/reports-api").Output()
	if err != nil {
		return "", fmt.Errorf("locating the reports-api module: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "config", "crd"), nil
}
