// Package options turns a SecurityProfile's spec into what the check catalog needs: the audit's
// options, the parameters, the namespace scope and the audit interval. The operator and the
// CLI both use it, so a profile file means the same to both.
package options

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// DefaultAuditInterval is the periodic full-audit interval when the spec leaves it out.
const DefaultAuditInterval = 10 * time.Minute

// Plan is a profile's spec turned into what the check catalog needs.
type Plan struct {
	Options  benchmarks.Options
	Params   benchmarks.Params
	Scope    benchmarks.Scope
	Interval time.Duration
}

// For converts a spec. Admission validation already rejects most bad input; what it cannot
// catch (such as a selector with an invalid operator) is returned as an error for the
// InvalidSpec condition.
func For(spec *securityv1alpha1.SecurityProfileSpec) (Plan, error) {
	var plan Plan
	level, err := benchmarks.ParseLevel(string(spec.Level))
	if err != nil {
		return plan, err
	}
	plan.Options.Level = level
	plan.Interval = DefaultAuditInterval
	if spec.AuditInterval != nil && spec.AuditInterval.Duration > 0 {
		plan.Interval = spec.AuditInterval.Duration
	}
	if spec.Checks != nil {
		for _, s := range spec.Checks.Include {
			plan.Options.Include = append(plan.Options.Include, string(s))
		}
		for _, s := range spec.Checks.Exclude {
			plan.Options.Exclude = append(plan.Options.Exclude, string(s))
		}
	}
	for _, e := range spec.Exemptions {
		ex := benchmarks.Exemption{CheckID: string(e.CheckID), Namespace: e.Namespace, Name: e.Name, Reason: e.Reason}
		if e.Expires != nil {
			t := e.Expires.Time
			ex.Expires = &t
		}
		plan.Options.Exemptions = append(plan.Options.Exemptions, ex)
	}
	for _, a := range spec.Attestations {
		plan.Options.Attestations = append(plan.Options.Attestations, benchmarks.Attestation{
			ItemID: a.ItemID, Owner: a.Owner, Evidence: a.Evidence, Expires: a.Expires.Time,
		})
	}
	plan.Params = ParamsFor(&spec.Parameters)

	var selector labels.Selector
	if spec.NamespaceSelector != nil {
		selector, err = metav1.LabelSelectorAsSelector(spec.NamespaceSelector)
		if err != nil {
			return plan, fmt.Errorf("spec.namespaceSelector: %w", err)
		}
	}
	plan.Scope = benchmarks.NewScope(selector, spec.ExcludedNamespaces, plan.Params.SystemNamespaces)
	return plan, nil
}

// ParamsFor overlays the spec's parameters on the defaults, so a profile stored before a
// parameter existed still gets its default.
func ParamsFor(p *securityv1alpha1.Parameters) benchmarks.Params {
	out := benchmarks.DefaultParams()
	durations := []struct {
		from *metav1.Duration
		to   *time.Duration
	}{
		{p.SecretMaxAge, &out.SecretMaxAge},
		{p.CertificateExpiryWarning, &out.CertificateExpiryWarning},
		{p.CertificateMaxAge, &out.CertificateMaxAge},
		{p.CAExpiryWarning, &out.CAExpiryWarning},
		{p.BackupMaxAge, &out.BackupMaxAge},
		{p.RestoreTestMaxAge, &out.RestoreTestMaxAge},
		{p.BootstrapTokenMaxTTL, &out.BootstrapTokenMaxTTL},
		{p.TerminatedPodMaxAge, &out.TerminatedPodMaxAge},
		{p.DebugContainerMaxAge, &out.DebugContainerMaxAge},
	}
	for _, d := range durations {
		if d.from != nil && d.from.Duration > 0 {
			*d.to = d.from.Duration
		}
	}
	if p.SystemNamespaces != nil {
		out.SystemNamespaces = append([]string(nil), p.SystemNamespaces...)
	}
	out.TrustedRegistries = append([]string(nil), p.TrustedRegistries...)
	out.PrivilegedSubjects = append([]string(nil), p.PrivilegedSubjects...)
	setIf := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setIf(&out.ClassificationLabel, p.Labels.Classification)
	setIf(&out.OwnerLabel, p.Labels.Owner)
	setIf(&out.ExposureLabel, p.Labels.Exposure)
	setIf(&out.AppLabel, p.Labels.App)
	out.ReadKubeletConfig = p.ReadKubeletConfig
	for _, a := range p.HostPathAllowlist {
		out.Workload.HostPathAllowlist = append(out.Workload.HostPathAllowlist, benchmarks.HostPathAllowance{Namespace: a.Namespace, Path: a.Path})
	}
	if len(p.ExternalCIDRs) > 0 {
		out.Network.ExternalCIDRs = append([]string(nil), p.ExternalCIDRs...)
	}
	if p.AuditLogMinRetention != nil && p.AuditLogMinRetention.Duration > 0 {
		out.Logging.AuditLogMinRetention = p.AuditLogMinRetention.Duration
	}
	if len(p.MinRuntimeVersions) > 0 {
		merged := map[string]string{}
		for k, v := range out.Nodes.MinRuntimeVersions {
			merged[k] = v
		}
		for k, v := range p.MinRuntimeVersions {
			merged[k] = v
		}
		out.Nodes.MinRuntimeVersions = merged
	}
	overlayDomains(p, &out)
	return out
}

// ForProfile converts a profile's spec into the options of an audit, the parameters and the
// namespace scope. The CLI uses it to honour a profile file.
func ForProfile(spec *securityv1alpha1.SecurityProfileSpec) (benchmarks.Options, benchmarks.Params, benchmarks.Scope, error) {
	plan, err := For(spec)
	return plan.Options, plan.Params, plan.Scope, err
}
