package controllers

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

// auditPlan is a profile's spec turned into what the check catalog needs.
type auditPlan struct {
	options  benchmarks.Options
	params   benchmarks.Params
	scope    benchmarks.Scope
	interval time.Duration
}

// planFor converts a spec. Admission validation already rejects most bad input; what it cannot
// catch (such as a selector with an invalid operator) is returned as an error for the
// InvalidSpec condition.
func planFor(spec *securityv1alpha1.SecurityProfileSpec) (auditPlan, error) {
	var plan auditPlan
	level, err := benchmarks.ParseLevel(string(spec.Level))
	if err != nil {
		return plan, err
	}
	plan.options.Level = level
	plan.interval = DefaultAuditInterval
	if spec.AuditInterval != nil && spec.AuditInterval.Duration > 0 {
		plan.interval = spec.AuditInterval.Duration
	}
	if spec.Checks != nil {
		for _, s := range spec.Checks.Include {
			plan.options.Include = append(plan.options.Include, string(s))
		}
		for _, s := range spec.Checks.Exclude {
			plan.options.Exclude = append(plan.options.Exclude, string(s))
		}
	}
	for _, e := range spec.Exemptions {
		ex := benchmarks.Exemption{CheckID: string(e.CheckID), Namespace: e.Namespace, Name: e.Name, Reason: e.Reason}
		if e.Expires != nil {
			t := e.Expires.Time
			ex.Expires = &t
		}
		plan.options.Exemptions = append(plan.options.Exemptions, ex)
	}
	for _, a := range spec.Attestations {
		plan.options.Attestations = append(plan.options.Attestations, benchmarks.Attestation{
			ItemID: a.ItemID, Owner: a.Owner, Evidence: a.Evidence, Expires: a.Expires.Time,
		})
	}
	plan.params = paramsFor(&spec.Parameters)

	var selector labels.Selector
	if spec.NamespaceSelector != nil {
		selector, err = metav1.LabelSelectorAsSelector(spec.NamespaceSelector)
		if err != nil {
			return plan, fmt.Errorf("spec.namespaceSelector: %w", err)
		}
	}
	plan.scope = benchmarks.NewScope(selector, spec.ExcludedNamespaces, plan.params.SystemNamespaces)
	return plan, nil
}

// paramsFor overlays the spec's parameters on the defaults, so a profile stored before a
// parameter existed still gets its default.
func paramsFor(p *securityv1alpha1.Parameters) benchmarks.Params {
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
	return out
}

// ProfileOptions converts a profile's spec into what the check catalog needs: the options of an
// audit, the parameters and the namespace scope. The CLI uses it to honour a profile file.
func ProfileOptions(spec *securityv1alpha1.SecurityProfileSpec) (benchmarks.Options, benchmarks.Params, benchmarks.Scope, error) {
	plan, err := planFor(spec)
	return plan.options, plan.params, plan.scope, err
}
