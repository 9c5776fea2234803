package options

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

func TestDomainParametersOverlayTheDefaults(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name string
		in   securityv1alpha1.Parameters
		want func(p *check.Params)
	}{
		{"nothing set keeps every default", securityv1alpha1.Parameters{}, func(*check.Params) {}},
		{"workloads: a list replaces the default",
			securityv1alpha1.Parameters{Workloads: securityv1alpha1.WorkloadParameters{StatefulImages: []string{"tidb"}, RemoteLoginPorts: []int32{2222}}},
			func(p *check.Params) {
				p.Lifecycle.StatefulImages = []string{"tidb"}
				p.Lifecycle.RemoteLoginPorts = []int32{2222}
			}},
		{"workloads: an empty list empties it",
			securityv1alpha1.Parameters{Workloads: securityv1alpha1.WorkloadParameters{ForbiddenSELinuxTypes: []string{}}},
			func(p *check.Params) { p.Workload.ForbiddenSELinuxTypes = []string{} }},
		{"workloads: flags and strings",
			securityv1alpha1.Parameters{Workloads: securityv1alpha1.WorkloadParameters{RuntimeSocketNoException: true, ExemptInitContainersFromNonRoot: true, PlaceholderLabelValue: "todo"}},
			func(p *check.Params) {
				p.Workload.RuntimeSocketNoException = true
				p.Workload.ExemptInitContainersFromNonRoot = true
				p.Lifecycle.PlaceholderLabelValue = "todo"
			}},
		{"rbac: sensitive permissions",
			securityv1alpha1.Parameters{RBAC: securityv1alpha1.RBACParameters{SensitivePermissions: []securityv1alpha1.SensitivePermission{
				{Name: "read configmaps", APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}, ClusterWide: true, Namespace: "prod", UnnamedOnly: true},
			}}},
			func(p *check.Params) {
				p.RBAC.SensitivePermissions = []check.SensitivePermission{
					{Name: "read configmaps", APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}, ClusterWide: true, Namespace: "prod", UnnamedOnly: true},
				}
			}},
		{"network: CNI allowlist and mesh namespace",
			securityv1alpha1.Parameters{Network: securityv1alpha1.NetworkParameters{PolicyCNIs: []string{"my-cni"}, MeshRootNamespace: "mesh"}},
			func(p *check.Params) {
				p.Network.PolicyCNIs = []string{"my-cni"}
				p.Network.MeshRootNamespace = "mesh"
			}},
		{"nodes: numbers, durations and OS minimums",
			securityv1alpha1.Parameters{Nodes: securityv1alpha1.NodeParameters{
				MaxRequestedPercent: ptr.To[int32](0), MaxPodPidsLimit: ptr.To[int64](1024),
				BenchmarkMaxAge: &metav1.Duration{Duration: day},
				OSMinimums:      []securityv1alpha1.OSMinimum{{OSImage: "Ubuntu *", MinOSVersion: "24.04"}},
			}},
			func(p *check.Params) {
				p.Nodes.MaxRequestedPercent = 0
				p.Nodes.MaxPodPidsLimit = 1024
				p.Nodes.BenchmarkMaxAge = day
				p.Nodes.OSMinimums = []check.OSMinimum{{OSImage: "Ubuntu *", MinOSVersion: "24.04"}}
			}},
		{"controlPlane: support window and CSR approvals",
			securityv1alpha1.Parameters{ControlPlane: securityv1alpha1.ControlPlaneParameters{
				NewestMinor: ptr.To[int32](38), MinimumVersion: "v1.36.4", StrictQuorum: true,
				CSRApprovals: []securityv1alpha1.CSRApproval{{Signer: "example.com/*", Requesters: []string{"system:serviceaccount:pki:*"}}},
			}},
			func(p *check.Params) {
				p.ControlPlane.NewestMinor = 38
				p.ControlPlane.MinimumVersion = "v1.36.4"
				p.ControlPlane.StrictQuorum = true
				p.ControlPlane.CSRApprovals = []check.CSRApproval{{Signer: "example.com/*", Requesters: []string{"system:serviceaccount:pki:*"}}}
			}},
		{"secrets: key sizes and mesh CAs",
			securityv1alpha1.Parameters{Secrets: securityv1alpha1.SecretParameters{
				MinRSAKeyBits: ptr.To[int32](3072),
				MeshRootCAs:   []securityv1alpha1.CABundleRef{{Name: "ca", Key: "ca.crt", Namespace: "mesh"}},
			}},
			func(p *check.Params) {
				p.Secrets.MinRSAKeyBits = 3072
				p.Secrets.MeshRootCAs = []check.CABundleRef{{Name: "ca", Key: "ca.crt", Namespace: "mesh"}}
			}},
		{"backups: provisioner allowlist",
			securityv1alpha1.Parameters{Backups: securityv1alpha1.BackupParameters{ProvisionerAllowlist: []string{"ebs.csi.aws.com"}, EtcdBackupSelector: "app=etcd-snap"}},
			func(p *check.Params) {
				p.Backups.ProvisionerAllowlist = []string{"ebs.csi.aws.com"}
				p.Backups.EtcdBackupSelector = "app=etcd-snap"
			}},
		{"images: registry images and fixableOnly off",
			securityv1alpha1.Parameters{Images: securityv1alpha1.ImageParameters{RegistryImages: []string{"acme/registry"}, FixableOnly: ptr.To(false), ScanMaxAge: &metav1.Duration{Duration: 30 * day}}},
			func(p *check.Params) {
				p.Images.RegistryImages = []string{"acme/registry"}
				p.Images.FixableOnly = false
				p.Images.ScanMaxAge = 30 * day
			}},
		{"logging: log collectors and verbosity",
			securityv1alpha1.Parameters{Logging: securityv1alpha1.LoggingParameters{LogCollectors: []string{"*logstash*"}, MaxVerbosity: ptr.To[int32](4)}},
			func(p *check.Params) {
				p.Logging.LogCollectors = []string{"*logstash*"}
				p.Logging.MaxVerbosity = 4
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := check.DefaultParams()
			tc.want(&want)
			if got := ParamsFor(&tc.in); !reflect.DeepEqual(got, want) {
				t.Errorf("ParamsFor:\n got  %+v\n want %+v", got, want)
			}
		})
	}
}

func TestDomainParametersDoNotShareTheDefaults(t *testing.T) {
	in := securityv1alpha1.Parameters{Logging: securityv1alpha1.LoggingParameters{LogCollectors: []string{"*logstash*"}}}
	got := ParamsFor(&in)
	got.Logging.LogCollectors[0] = "changed"
	if in.Logging.LogCollectors[0] != "*logstash*" {
		t.Error("the converted list shares its array with the spec")
	}
}

// crdParameters returns the schema of spec.parameters in the generated CRD.
func crdParameters(t *testing.T) apiextensionsv1.JSONSchemaProps {
	t.Helper()
	raw, err := os.ReadFile("../../config/crd/bases/security.kubeposture.io_securityprofiles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	return crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["parameters"]
}

// TestSchemaDefaultsAreTheBuiltInOnes reads every default of the domain groups as kubectl explain
// shows it: the schema's default, or the JSON after "Default:" in the description. A profile
// that spells all of them out must convert to the same parameters as an empty one, so the
// documented defaults are the ones the checks use.
func TestSchemaDefaultsAreTheBuiltInOnes(t *testing.T) {
	params := crdParameters(t)
	spelled := map[string]map[string]json.RawMessage{}
	for _, domain := range []string{"workloads", "rbac", "network", "nodes", "controlPlane", "secrets", "backups", "images", "logging"} {
		schema, ok := params.Properties[domain]
		if !ok {
			t.Fatalf("spec.parameters.%s is not in the CRD", domain)
		}
		if schema.Default == nil || string(schema.Default.Raw) != "{}" {
			t.Errorf("spec.parameters.%s needs the default {} so its fields' defaults apply", domain)
		}
		spelled[domain] = map[string]json.RawMessage{}
		for name, field := range schema.Properties {
			_, documented, hasDoc := strings.Cut(field.Description, "Default: ")
			text := strings.Join(strings.Fields(field.Description), " ")
			switch {
			case field.Default != nil:
				if hasDoc {
					t.Errorf("%s.%s has both a schema default and a documented one", domain, name)
				}
				spelled[domain][name] = field.Default.Raw
			case hasDoc:
				spelled[domain][name] = json.RawMessage(documented)
			case field.Type == "boolean" || strings.Contains(text, "by default") || strings.Contains(text, "empty accepts"):
				// false, or documented as empty
			default:
				t.Errorf("%s.%s shows no default in kubectl explain", domain, name)
			}
		}
	}
	raw, err := json.Marshal(spelled)
	if err != nil {
		t.Fatal(err)
	}
	var in securityv1alpha1.Parameters
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatalf("the documented defaults are not valid values: %v", err)
	}
	if got, want := ParamsFor(&in), ParamsFor(&securityv1alpha1.Parameters{}); !reflect.DeepEqual(got, want) {
		t.Errorf("the schema's defaults differ from the built-in ones:\n schema   %+v\n built-in %+v", got, want)
	}
}

// TestEveryDomainParameterIsInTheAPI fails when a parameter of the check catalog cannot be set
// from spec.parameters: each field of a domain's parameters needs a field of the same name in
// its API group, or in the older top-level fields.
func TestEveryDomainParameterIsInTheAPI(t *testing.T) {
	groups := []struct {
		catalog any
		api     any
	}{
		{check.WorkloadParams{}, securityv1alpha1.WorkloadParameters{}},
		{check.LifecycleParams{}, securityv1alpha1.WorkloadParameters{}},
		{check.RBACParams{}, securityv1alpha1.RBACParameters{}},
		{check.NetworkParams{}, securityv1alpha1.NetworkParameters{}},
		{check.NodeParams{}, securityv1alpha1.NodeParameters{}},
		{check.ControlPlaneParams{}, securityv1alpha1.ControlPlaneParameters{}},
		{check.SecretParams{}, securityv1alpha1.SecretParameters{}},
		{check.BackupParams{}, securityv1alpha1.BackupParameters{}},
		{check.ImageParams{}, securityv1alpha1.ImageParameters{}},
		{check.LoggingParams{}, securityv1alpha1.LoggingParameters{}},
	}
	top := reflect.TypeOf(securityv1alpha1.Parameters{})
	for _, g := range groups {
		ct, at := reflect.TypeOf(g.catalog), reflect.TypeOf(g.api)
		for i := range ct.NumField() {
			name := ct.Field(i).Name
			if _, ok := at.FieldByName(name); ok {
				continue
			}
			if _, ok := top.FieldByName(name); ok {
				continue
			}
			t.Errorf("%s.%s cannot be set from spec.parameters (add it to %s)", ct.Name(), name, at.Name())
		}
	}
}
