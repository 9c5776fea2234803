// Package memory checks, from outside, what the running operator keeps in its memory: it starts
// the operator as its own process against a cluster whose Secrets and ConfigMaps carry unique
// markers, forces a garbage collection and searches the process's memory for the markers.
package memory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/certgen"
	"github.com/kubeposture/kubeposture/internal/operator"
	"github.com/kubeposture/kubeposture/test/envtest"
)

// object is one applied Secret or ConfigMap and the markers it carries, by where they are.
type object struct {
	kind, name string
	parsed     bool // a Secret type read with values, or a ConfigMap
	applied    bool // with kubectl's last-applied annotation, which repeats every value
	markers    map[string]string
}

func marker(kind string, i int, where string) string {
	return fmt.Sprintf("KPMARK%s%03d%sZ%d", kind, i, where, time.Now().UnixNano()%1e9)
}

// apply creates obj as `kubectl apply` does, with the manifest (markers included) in the
// last-applied annotation; with lastApplied empty, as `kubectl create` does, without it.
func apply(t *testing.T, c client.Client, obj client.Object, lastApplied string) {
	t.Helper()
	if lastApplied == "" {
		if err := c.Create(context.Background(), obj, client.FieldOwner("kubectl-create")); err != nil {
			t.Fatal(err)
		}
		return
	}
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	a[corev1.LastAppliedConfigAnnotation] = strings.Replace(string(raw), "{", `{"note":"`+lastApplied+`",`, 1)
	obj.SetAnnotations(a)
	if err := c.Create(context.Background(), obj, client.FieldOwner("kubectl-client-side-apply")); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// TestOperatorMemoryHoldsNoSecretValues is the memory test of docs/secrets.md.
func TestOperatorMemoryHoldsNoSecretValues(t *testing.T) {
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "manager")
	t.Log("building the operator")
	build := exec.Command("go", "build", "-o", bin, "./cmd")
	build.Dir, build.Stderr = root, os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("building the operator: %v", err)
	}
	env, err := envtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(env.Config, client.Options{Scheme: envtest.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const ns = "memory"
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}

	var objs []object
	for i := 0; i < 10; i++ { // Opaque Secrets: watched as metadata only; half applied, half created
		o := object{kind: "Secret", name: fmt.Sprintf("opaque-%d", i), applied: i%2 == 1, markers: map[string]string{
			"data": marker("S", i, "DATA"), "stringData": marker("S", i, "STRD")}}
		if o.applied {
			o.markers["lastApplied"] = marker("S", i, "LAST")
		}
		apply(t, c, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: o.name, Namespace: ns},
			Data:       map[string][]byte{"token": []byte(o.markers["data"])},
			StringData: map[string]string{"password": o.markers["stringData"]}}, o.markers["lastApplied"])
		objs = append(objs, o)
	}
	now := time.Now()
	for i := 0; i < 3; i++ { // TLS Secrets: read with values, which the transform drops
		crt, key, err := certgen.SelfSigned("shop.example.com", []string{"shop.example.com"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		o := object{kind: "Secret", name: fmt.Sprintf("tls-%d", i), parsed: true, applied: true, markers: map[string]string{
			"data": marker("T", i, "DATA"), "stringData": marker("T", i, "STRD"), "lastApplied": marker("T", i, "LAST")}}
		apply(t, c, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: o.name, Namespace: ns}, Type: corev1.SecretTypeTLS,
			Data:       map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key, "note": []byte(o.markers["data"])},
			StringData: map[string]string{"comment": o.markers["stringData"]}}, o.markers["lastApplied"])
		objs = append(objs, o)
	}
	for i := 0; i < 5; i++ { // ConfigMaps: read with values for the credential facts
		o := object{kind: "ConfigMap", name: fmt.Sprintf("config-%d", i), parsed: true, applied: true, markers: map[string]string{
			"data": marker("C", i, "DATA"), "lastApplied": marker("C", i, "LAST")}}
		apply(t, c, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: o.name, Namespace: ns},
			Data: map[string]string{"password": o.markers["data"]}}, o.markers["lastApplied"])
		objs = append(objs, o)
	}

	kubeconfig, err := env.WriteAdminKubeconfig("memory-operator")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Dir(kubeconfig)) })
	pprofPort, metricsPort := freePort(t), freePort(t)
	profile := &securityv1alpha1.SecurityProfile{ObjectMeta: metav1.ObjectMeta{Name: "memory"},
		Spec: securityv1alpha1.SecurityProfileSpec{Level: securityv1alpha1.LevelL3}}
	if err := c.Create(ctx, profile); err != nil {
		t.Fatal(err)
	}
	opCtx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	op := exec.CommandContext(opCtx, bin, "--kubeconfig", kubeconfig, "--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", metricsPort), //nolint:gosec // our own binary
		"--health-probe-bind-address", "0", "--min-audit-interval", "200ms", "--zap-log-level", "error",
		"--pprof-bind-address", fmt.Sprintf("127.0.0.1:%d", pprofPort))
	op.Stdout, op.Stderr = os.Stderr, os.Stderr
	if err := op.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); _ = op.Wait() })

	// Two audits: the first, then one after a change.
	var first *metav1.Time
	waitAudit := func(what string, after *metav1.Time) *metav1.Time {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			p := &securityv1alpha1.SecurityProfile{}
			if err := c.Get(ctx, client.ObjectKeyFromObject(profile), p); err == nil && p.Status.LastAuditTime != nil &&
				(after == nil || p.Status.LastAuditTime.After(after.Time)) {
				return p.Status.LastAuditTime
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s audit within 2 minutes", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	first = waitAudit("first", nil)
	t.Logf("first audit at %s", first.Format(time.RFC3339Nano))
	time.Sleep(1100 * time.Millisecond) // lastAuditTime has a resolution of a second
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "memory-second"}}); err != nil {
		t.Fatal(err)
	}
	waitAudit("second", first)

	// Watches of Secrets and ConfigMaps end once they have been quiet for a moment, so the
	// connections that carried values become garbage.
	time.Sleep(operator.DefaultValueConnectionIdle + time.Second)

	// The debug endpoint collects garbage and returns freed memory to the system.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/free-os-memory", metricsPort)) //nolint:gosec,noctx // loopback
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("/debug/free-os-memory: %s", resp.Status)
	}

	// The operator restarts itself with the runtime's clobberfree setting, so freed response
	// bytes (the last-applied annotation of an applied Secret arrives with its metadata) are
	// overwritten by the garbage collector.
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", op.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(environ, []byte("GODEBUG=clobberfree=1")) && !bytes.Contains(environ, []byte(",clobberfree=1")) {
		t.Errorf("the operator runs without GODEBUG clobberfree=1: freed Secret bytes stay readable")
	}

	mem, err := readMemory(op.Process.Pid)
	if err != nil {
		t.Fatalf("reading the operator's memory: %v", err)
	}
	t.Logf("read %d MiB of the operator's memory", len(mem)>>20)
	found := map[string]int{}
	for _, o := range objs {
		for where, m := range o.markers {
			n := bytes.Count(mem, []byte(m)) + bytes.Count(mem, []byte(base64.StdEncoding.EncodeToString([]byte(m))[:len(m)]))
			key := fmt.Sprintf("%s %s %s, value in %s", o.kind, map[bool]string{true: "read with values", false: "metadata only"}[o.parsed],
				map[bool]string{true: "applied", false: "created"}[o.applied], where)
			found[key] += n
			// MEMORY_CONTEXT=1 logs the bytes around each occurrence, to tell which buffer holds it.
			if os.Getenv("MEMORY_CONTEXT") != "" && n > 0 {
				for off := 0; ; {
					i := bytes.Index(mem[off:], []byte(m))
					if i < 0 {
						break
					}
					i += off
					lo, hi := max(0, i-400), min(len(mem), i+200)
					t.Logf("CONTEXT %s at %d: %q", m, i, mem[lo:hi])
					off = i + 1
				}
			}
			if n > 0 {
				t.Errorf("the value of %s %s (%s, %s, in %s) is in the operator's memory %d times after a collection",
					o.kind, o.name, map[bool]string{true: "read with values", false: "metadata only"}[o.parsed],
					map[bool]string{true: "applied", false: "created"}[o.applied], where, n)
			}
		}
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("MEMORY %s: %d occurrences after GC", k, found[k])
	}
}

// readMemory returns the readable private mappings of process pid, concatenated.
func readMemory(pid int) ([]byte, error) {
	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	defer func() { _ = maps.Close() }()
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return nil, err
	}
	defer func() { _ = mem.Close() }()
	var out []byte
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 || !strings.HasPrefix(fields[1], "r") {
			continue
		}
		if len(fields) >= 6 && (strings.HasPrefix(fields[5], "[v") || strings.HasPrefix(fields[5], "/")) {
			continue // kernel pages and mapped files (the binary, libraries)
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		buf := make([]byte, end-start)
		n, err := mem.ReadAt(buf, int64(start))
		if err != nil && n == 0 {
			continue // a guard page or a mapping gone meanwhile
		}
		out = append(out, buf[:n]...)
	}
	return out, sc.Err()
}
