package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func read(t *testing.T, data string) []Object {
	t.Helper()
	objs, err := Read("m.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestReadDecodesTypedAndUnknownKinds(t *testing.T) {
	objs := read(t, `# comment only
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
---
apiVersion: velero.io/v1
kind: Schedule
metadata: {name: daily, namespace: velero}
spec: {schedule: "0 1 * * *"}
---
`)
	if len(objs) != 2 {
		t.Fatalf("got %d objects, want 2", len(objs))
	}
	if _, ok := objs[0].Object.(*appsv1.Deployment); !ok || objs[0].GVK.Kind != "Deployment" || objs[0].Line != 3 {
		t.Errorf("first object: %T %v line %d", objs[0].Object, objs[0].GVK, objs[0].Line)
	}
	if u, ok := objs[1].Object.(*unstructured.Unstructured); !ok || u.GetKind() != "Schedule" || objs[1].Line != 7 {
		t.Errorf("second object: %T line %d", objs[1].Object, objs[1].Line)
	}
}

func TestNamespaceLessObjectsGetTheDefaultNamespace(t *testing.T) {
	data := `apiVersion: v1
kind: Pod
metadata: {name: p}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: own}
`
	for _, tc := range []struct{ flag, want string }{{"", "default"}, {"shop", "shop"}} {
		objs, err := ReadWith("m.yaml", []byte(data), Options{Namespace: tc.flag})
		if err != nil {
			t.Fatal(err)
		}
		if ns := objs[0].Object.(*corev1.Pod).Namespace; ns != tc.want {
			t.Errorf("--namespace %q: pod in %q, want %q", tc.flag, ns, tc.want)
		}
		if ns := objs[1].Object.(*rbacv1.RoleBinding).Namespace; ns != tc.want {
			t.Errorf("--namespace %q: RoleBinding in %q, want %q (a RoleBinding is never cluster-wide)", tc.flag, ns, tc.want)
		}
		if ns := objs[2].Object.(*rbacv1.ClusterRoleBinding).Namespace; ns != "" {
			t.Errorf("a ClusterRoleBinding got namespace %q", ns)
		}
		if ns := objs[3].Object.(*corev1.Service).Namespace; ns != "own" {
			t.Errorf("an object's own namespace was replaced by %q", ns)
		}
	}
}

func TestListsAreUnpacked(t *testing.T) {
	objs := read(t, `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: b}
---
apiVersion: apps/v1
kind: DeploymentList
metadata: {resourceVersion: "1"}
items:
- metadata: {name: c, namespace: shop}
  spec:
    template:
      spec:
        containers: [{name: x, image: nginx}]
`)
	if len(objs) != 3 {
		t.Fatalf("got %d objects, want 3", len(objs))
	}
	if p, ok := objs[0].Object.(*corev1.Pod); !ok || p.Name != "a" || objs[0].Line != 4 {
		t.Errorf("first item: %T line %d", objs[0].Object, objs[0].Line)
	}
	if d, ok := objs[1].Object.(*appsv1.Deployment); !ok || d.Name != "b" || objs[1].Line != 7 {
		t.Errorf("second item: %T line %d", objs[1].Object, objs[1].Line)
	}
	if d, ok := objs[2].Object.(*appsv1.Deployment); !ok || d.Name != "c" || d.Spec.Template.Spec.Containers[0].Image != "nginx" || objs[2].Line != 15 {
		t.Errorf("typed list item: %T %+v line %d", objs[2].Object, objs[2].Object, objs[2].Line)
	}
}

func TestDeprecatedAPIVersionsAreConverted(t *testing.T) {
	tmpl := `
metadata: {name: NAME}
spec:
  template:
    spec:
      containers: [{name: x, image: nginx, securityContext: {privileged: true}}]
`
	var docs []string
	for _, av := range []string{"extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"} {
		docs = append(docs, "apiVersion: "+av+"\nkind: Deployment"+strings.Replace(tmpl, "NAME", strings.ReplaceAll(av, "/", "-"), 1))
	}
	docs = append(docs, `apiVersion: apps/v1beta2
kind: DaemonSet`+strings.Replace(tmpl, "NAME", "ds", 1))
	docs = append(docs, `apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: cj}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: x, image: nginx, securityContext: {privileged: true}}]
`)
	docs = append(docs, `apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: ing}
spec:
  backend: {serviceName: web, servicePort: 80}
  rules:
  - host: shop.example.com
    http:
      paths:
      - path: /
        backend: {serviceName: api, servicePort: http}
`)
	objs := read(t, strings.Join(docs, "---\n"))
	if len(objs) != 6 {
		t.Fatalf("got %d objects, want 6", len(objs))
	}
	for _, o := range objs[:3] {
		d, ok := o.Object.(*appsv1.Deployment)
		if !ok || !o.Converted() || o.GVK.GroupVersion().String() != "apps/v1" {
			t.Fatalf("%v: %T converted=%v", o.Declared, o.Object, o.Converted())
		}
		if sc := d.Spec.Template.Spec.Containers[0].SecurityContext; sc == nil || sc.Privileged == nil || !*sc.Privileged {
			t.Errorf("%v: the pod template was not kept", o.Declared)
		}
	}
	if _, ok := objs[3].Object.(*appsv1.DaemonSet); !ok {
		t.Errorf("apps/v1beta2 DaemonSet: %T", objs[3].Object)
	}
	if cj, ok := objs[4].Object.(*batchv1.CronJob); !ok || cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Name != "x" {
		t.Errorf("batch/v1beta1 CronJob: %T", objs[4].Object)
	}
	ing, ok := objs[5].Object.(*networkingv1.Ingress)
	if !ok {
		t.Fatalf("extensions/v1beta1 Ingress: %T", objs[5].Object)
	}
	if b := ing.Spec.DefaultBackend; b == nil || b.Service.Name != "web" || b.Service.Port.Number != 80 {
		t.Errorf("default backend: %+v", b)
	}
	if b := ing.Spec.Rules[0].HTTP.Paths[0].Backend; b.Service == nil || b.Service.Name != "api" || b.Service.Port.Name != "http" {
		t.Errorf("path backend: %+v", b)
	}
}

func TestReplicationControllersAreTyped(t *testing.T) {
	objs := read(t, `apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  template:
    spec:
      containers: [{name: x, image: nginx}]
`)
	if rc, ok := objs[0].Object.(*corev1.ReplicationController); !ok || rc.Spec.Template == nil || rc.Namespace != "default" {
		t.Fatalf("%T %+v", objs[0].Object, objs[0].Object)
	}
}

func TestSeparatorWithAComment(t *testing.T) {
	objs := read(t, `apiVersion: v1
kind: ConfigMap
metadata: {name: a}
--- # the second object
apiVersion: v1
kind: ConfigMap
metadata: {name: b}
---   #another
apiVersion: v1
kind: ConfigMap
metadata: {name: c}
`)
	if len(objs) != 3 || objs[1].Line != 5 || objs[2].Line != 9 {
		t.Fatalf("got %d objects: %+v", len(objs), objs)
	}
}

func TestLongLinesAreRead(t *testing.T) {
	long := strings.Repeat("x", 17<<20) // longer than a 16 MiB line buffer
	data := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata: {blob: " + long + "}\n---\n" +
		"apiVersion: v1\nkind: Pod\nmetadata: {name: after}\nspec: {containers: [{name: x, image: nginx, securityContext: {privileged: true}}]}\n"
	objs, err := Read("big.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[1].Object.(*corev1.Pod).Name != "after" || objs[1].Line != 6 {
		t.Fatalf("the object after the long line was not read: %d objects", len(objs))
	}
	if len(objs[0].Object.(*corev1.ConfigMap).Data["blob"]) != len(long) {
		t.Error("the long value was cut")
	}
}

func TestJSONDocuments(t *testing.T) {
	objs, err := Read("m.json", []byte(`{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}]}
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[1].Line != 3 {
		t.Fatalf("%d objects: %+v", len(objs), objs)
	}
}

func TestNonKubernetesFilesAreNotObjects(t *testing.T) {
	for name, data := range map[string]string{
		"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
		"ci.yml":             "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
		"values.yaml":        "replicaCount: 1\nimage: {repository: nginx}\n",
		"skaffold.yaml":      "apiVersion: skaffold/v4beta6\nkind: Config\n",
		"kubeconfig.yaml":    "apiVersion: v1\nkind: Config\nclusters: []\n",
	} {
		_, err := Read(name, []byte(data))
		var nk *NotKubernetesError
		if !errors.As(err, &nk) || nk.File != name {
			t.Errorf("%s: want a NotKubernetesError, got %v", name, err)
		}
	}
}

func TestReadNamesFileAndLineOfBadInput(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"broken YAML", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n", "bad.yaml:9:"},
		{"not an object after objects", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nhello: world\n", "bad.yaml:5: not a Kubernetes object"},
		{"not an object before objects", "hello: world\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", "bad.yaml:1: not a Kubernetes object"},
		{"wrong field type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: many}\n", "bad.yaml:1: apps/v1 Deployment"},
		{"bad list item", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  spec: {replicas: many}\n", "bad.yaml:7: apps/v1 Deployment"},
		{"broken JSON", "{\"apiVersion\": \"v1\",\n\"kind\": \"Pod\",\n}\n", "bad.yaml:3:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("bad.yaml", []byte(tc.data))
			var merr *Error
			if !errors.As(err, &merr) {
				t.Fatalf("want a *manifest.Error, got %v", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %q does not start with %q", err, tc.want)
			}
		})
	}
}

func TestLoaderSkipsNonKubernetesFilesAndCharts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("app/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
	write("app/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [pod.yaml]\n")
	write(".github/workflows/ci.yaml", "on: [push]\n")
	write("ci/pipeline.yml", "stages: [test]\n")
	write("chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n")
	write("chart/templates/d.yaml", "metadata:\n  name: {{ .Release.Name }}\n")
	var warned []string
	l := &Loader{Warn: func(file, msg string) { warned = append(warned, file+": "+msg) }}
	var objs []Object
	err := l.ReadPaths([]string{dir}, func(o Object) error { objs = append(objs, o); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].File != filepath.Join(dir, "app/pod.yaml") {
		t.Fatalf("objects: %+v", objs)
	}
	got := strings.Join(warned, "\n")
	for _, want := range []string{"app/kustomization.yaml: skipped", "ci/pipeline.yml: skipped", "chart: skipped: a Helm chart"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, ".github") {
		t.Errorf("hidden directories are not read: %s", got)
	}
}

func TestLoaderReadsStandardInput(t *testing.T) {
	l := &Loader{Stdin: strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")}
	var objs []Object
	if err := l.ReadPaths([]string{"-"}, func(o Object) error { objs = append(objs, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].File != StdinName {
		t.Fatalf("%+v", objs)
	}
}

// Scalars are read as kubectl reads them (YAML 1.1): yes is true, a date stays the string it was
// written as; anchors and merge keys are applied.
func TestScalarsAreReadAsKubectlReadsThem(t *testing.T) {
	objs := read(t, `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {expires: 2030-01-01, quoted: "yes"}
spec:
  hostNetwork: on
  containers:
  - &first
    name: a
    image: nginx
    securityContext: {privileged: yes}
  - <<: *first
    name: b
`)
	p := objs[0].Object.(*corev1.Pod)
	if !p.Spec.HostNetwork {
		t.Error("hostNetwork: on is true")
	}
	if p.Annotations["expires"] != "2030-01-01" || p.Annotations["quoted"] != "yes" {
		t.Errorf("annotations: %v", p.Annotations)
	}
	if len(p.Spec.Containers) != 2 {
		t.Fatalf("containers: %+v", p.Spec.Containers)
	}
	for _, c := range p.Spec.Containers {
		if sc := c.SecurityContext; sc == nil || sc.Privileged == nil || !*sc.Privileged {
			t.Errorf("container %s: privileged: yes is true (merged from the anchor for b)", c.Name)
		}
	}
	if b := p.Spec.Containers[1]; b.Name != "b" || b.Image != "nginx" {
		t.Errorf("merge key: %+v", b)
	}
}
