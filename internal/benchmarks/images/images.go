package images

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/admission"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/imageref"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/labelsel"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Trivy Operator report kinds and labels, and the Sigstore policy-controller kind.
const (
	imgVulnReportKind   = "VulnerabilityReport.aquasecurity.github.io"
	imgSecretReportKind = "ExposedSecretReport.aquasecurity.github.io"
	imgSbomReportKind   = "SbomReport.aquasecurity.github.io"
	imgSigstorePolicy   = "ClusterImagePolicy.policy.sigstore.dev"
	imgSigstoreInclude  = "policy.sigstore.dev/include"
)

// Checks returns the IMG- checks: images and registries.
func Checks() []check.Check {
	return []check.Check{
		{
			ID:         "IMG-001",
			Title:      "Every image reference has an explicit tag other than latest, or a digest",
			Domain:     check.DomainImages,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S5.5"}, NIST: []string{"4.2.2"}},
			Rationale: "An untagged or :latest reference names whatever was pushed last, so two pods of one " +
				"Deployment can run different code and a rollback cannot name what ran before.",
			Remediation: "Reference every image by a versioned tag (app:1.4.2) or by digest; push release tags " +
				"from the build pipeline instead of latest.",
			Evaluate: imgEachContainer(imgTagProblem),
		},
		{
			ID:         "IMG-002",
			Title:      "Every image reference is pinned by digest",
			Domain:     check.DomainImages,
			Level:      check.L3,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S3.6"}, NIST: []string{"5.3"}},
			Rationale: "Tags can be moved to other content after review and scanning; only a digest " +
				"(@sha256:…) names the exact bytes that were verified.",
			Remediation: "Resolve tags to digests in the deployment pipeline (e.g. kustomize images digest, " +
				"Kyverno mutateDigest, or crane digest) and reference image@sha256:… everywhere.",
			Evaluate: imgEachContainer(func(_ *check.Snapshot, ref imageref.Ref) string {
				if ref.Digest == "" {
					return "is not pinned by digest (@sha256:…)"
				}
				return ""
			}),
		},
		{
			ID:         "IMG-003",
			Title:      "Images come only from trusted registries",
			Domain:     check.DomainImages,
			Level:      check.L2,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S1.6"}, NIST: []string{"4.1.5"}},
			Rationale: "Images from registries outside your control can be replaced, typo-squatted or " +
				"withdrawn; the standard expects images to come from an approved, usually internal, registry. " +
				"Unqualified names such as nginx come from docker.io.",
			Remediation: "Mirror the images you need into a trusted registry, reference them from there, and " +
				"list that registry in spec.parameters.trustedRegistries (host, host/path prefix or wildcard).",
			Evaluate: imgTrustedRegistries,
		},
		{
			ID:       "IMG-004",
			Title:    "Admission enforces the registry allowlist in every namespace",
			Domain:   check.DomainImages,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S1.6"}, CIS: []string{"5.5.1"},
			},
			Rationale: "An allowlist that is only audited lets an untrusted image run the moment someone " +
				"deploys it. The check looks for a Kyverno policy with an image rule in Enforce mode, a " +
				"Gatekeeper allowed-repos/registries constraint that denies, or a ValidatingAdmissionPolicy on " +
				"images bound with Deny, and requires every in-scope namespace to be covered.",
			Remediation: "Deploy a registry restriction (Kyverno restrict-image-registries with failureAction " +
				"Enforce, Gatekeeper K8sAllowedRepos with enforcementAction deny, or a ValidatingAdmissionPolicy " +
				"bound with Deny) that matches pods in all application namespaces.",
			Evaluate: imgRegistryEnforcement,
		},
		{
			ID:       "IMG-005",
			Title:    "Image signatures are verified at admission",
			Domain:   check.DomainImages,
			Level:    check.L3,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S3.7", "S6.2"}, NIST: []string{"4.1.5", "5.3", "7.2"}, MLPS: []string{"G6a"},
				CIS: []string{"5.5.1"},
			},
			Rationale: "Only a signature check at admission proves an image came from your pipeline unaltered. " +
				"Every running image must fall under an enforcing verifier: a Kyverno verifyImages rule, a " +
				"Sigstore ClusterImagePolicy in a namespace labelled " + imgSigstoreInclude + "=true, a " +
				"fail-closed Connaisseur webhook or a denying Ratify constraint.",
			Remediation: "Sign images in CI (cosign, Notation) and enforce verification: Kyverno verifyImages " +
				"with failureAction Enforce and imageReferences covering your registries, or Sigstore " +
				"policy-controller with a ClusterImagePolicy and the include label on every application namespace.",
			Evaluate: imgSignatureVerification,
		},
		{
			ID:         "IMG-006",
			Title:      "Every running image has a recent vulnerability scan",
			Domain:     check.DomainImages,
			Level:      check.L2,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S5.3"}, NIST: []string{"7.1"}},
			Rationale: "New CVEs are published every day against images that have not changed, so a scan " +
				"is only meaningful while it is recent. The check reads Trivy Operator VulnerabilityReports " +
				"and matches them to workload containers by owner labels or by image.",
			Remediation: "Install Trivy Operator (or another scanner publishing VulnerabilityReports), make sure " +
				"it scans every namespace, and let reports expire (report TTL) so images are rescanned with " +
				"a current vulnerability database.",
			Evaluate: imgScanCoverage,
		},
		{
			ID:       "IMG-007",
			Title:    "No running image has fixable high-severity vulnerabilities",
			Domain:   check.DomainImages,
			Level:    check.L2,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S1.5"}, NIST: []string{"4.1.1", "5.3"}, MLPS: []string{"G4b"},
			},
			Rationale: "A Critical or High vulnerability with a published fix is the easiest way into a " +
				"container. L2 forbids fixable Critical and High findings; L3 adds Medium. Findings name the " +
				"exposure that makes them worse: privileged, possibly root, no NetworkPolicy, Secrets, production.",
			Remediation: "Rebuild the image on a patched base image or bump the vulnerable packages to the fixed " +
				"version, redeploy, and check the refreshed VulnerabilityReport.",
			LevelDependent: true,
			Evaluate:       imgVulnerabilities,
		},
		{
			ID:         "IMG-008",
			Title:      "A vulnerability scan gate runs at admission",
			Domain:     check.DomainImages,
			Level:      check.L3,
			Severity:   check.SeverityMedium,
			References: check.References{NIST: []string{"4.1.1"}, MLPS: []string{"G4d"}},
			Rationale: "Level 3 requires images to be scanned before every deployment. That is enforced by a " +
				"scanner's admission webhook that fails closed, or by a policy that requires a signed " +
				"vulnerability-scan attestation, covering every in-scope namespace.",
			Remediation: "Enable the scanner's admission controller (e.g. StackRox, NeuVector, Aqua) with " +
				"failurePolicy: Fail, or attach cosign vuln attestations in CI and require them with a Kyverno " +
				"verifyImages attestation rule or a Sigstore ClusterImagePolicy.",
			Evaluate: imgScanGate,
		},
		{
			ID:       "IMG-009",
			Title:    "Images contain no exposed secrets",
			Domain:   check.DomainImages,
			Level:    check.L1,
			Severity: check.SeverityHigh,
			References: check.References{
				Standard: []string{"S6.3"}, NIST: []string{"4.1.3", "4.1.4"}, MLPS: []string{"G4c", "G5a"},
			},
			Rationale: "Keys, passwords and tokens baked into an image are readable by anyone who can pull it " +
				"and cannot be rotated without a rebuild. The check reads Trivy Operator ExposedSecretReports; " +
				"at L3 malware-scan evidence is also required, which no standard API object records.",
			Remediation: "Remove the secret from the image (and its layer history), rotate it, and inject it at " +
				"run time from a Secret or an external secret store; at L3, scan images for malware and attest it.",
			LevelDependent: true,
			Evaluate:       imgExposedSecrets,
		},
		{
			ID:         "IMG-010",
			Title:      "Containers are always started from a freshly pulled image",
			Domain:     check.DomainImages,
			Level:      check.L1,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S5.4"}, CIS: []string{"1.2.11"}},
			Rationale: "With IfNotPresent a node starts whatever image it cached under that name, possibly a " +
				"stale or tampered one, and a pod can use a private image pulled by another tenant without " +
				"credentials. imagePullPolicy Always or the AlwaysPullImages admission plugin prevents both.",
			Remediation: "Set imagePullPolicy: Always on every container, or enable AlwaysPullImages in the " +
				"kube-apiserver --enable-admission-plugins.",
			Evaluate: imgAlwaysPull,
		},
		{
			ID:         "IMG-011",
			Title:      "Registry connections are TLS-verified on every node",
			Domain:     check.DomainImages,
			Level:      check.L1,
			Severity:   check.SeverityHigh,
			References: check.References{Standard: []string{"S6.9"}, NIST: []string{"4.2.1"}, MLPS: []string{"G1b"}},
			Rationale: "A runtime that skips certificate verification or pulls over plain HTTP lets anyone on " +
				"the path replace images. The registry configuration lives in files on the nodes, which the " +
				"API does not show, so a person must check it.",
			Remediation: "Remove skip_verify/insecure_skip_verify and http:// endpoints from the containerd " +
				"(or CRI-O) registry configuration and insecure-registries from Docker's daemon.json; give " +
				"private registries a trusted CA instead.",
			Evaluate: imgRegistryTLS,
		},
		{
			ID:         "IMG-012",
			Title:      "Private registry images are pulled with credentials",
			Domain:     check.DomainImages,
			Level:      check.L2,
			Severity:   check.SeverityMedium,
			References: check.References{NIST: []string{"4.2.3"}, MLPS: []string{"G1b", "G2b"}},
			Rationale: "A private registry must authenticate pulls so only the workloads entitled to an image " +
				"get it; a registry that serves pods without credentials is open to everyone who can reach it. " +
				"Pull Secrets copied into namespaces that never use them widen who can read the credentials.",
			Remediation: "Give pods from private registries imagePullSecrets (on the pod or its " +
				"ServiceAccount), require authentication on the registry, and delete pull Secrets from " +
				"namespaces that do not use them.",
			Evaluate: imgPullCredentials,
		},
		{
			ID:         "IMG-013",
			Title:      "An in-cluster registry is redundant, isolated and garbage-collected",
			Domain:     check.DomainImages,
			Level:      check.L1,
			Severity:   check.SeverityMedium,
			References: check.References{Standard: []string{"S8.2", "S5.2", "S5.1"}, MLPS: []string{"G7b"}},
			Rationale: "A single registry replica stops every rollout and node replacement when it fails, an " +
				"unisolated registry is reachable from every pod, and without garbage collection deleted " +
				"images pile up. L1 wants at least 2 replicas, a default-deny ingress NetworkPolicy and " +
				"scheduled GC; L3 an odd replica count of at least 3. An external registry needs an attestation.",
			Remediation: "Scale the registry to 2 or more replicas (an odd number of at least 3 at L3) on " +
				"shared storage, add a default-deny ingress NetworkPolicy to its namespace with explicit allows, " +
				"and schedule garbage collection (Harbor's GC schedule, or a CronJob running registry " +
				"garbage-collect).",
			LevelDependent: true,
			Evaluate:       imgInClusterRegistry,
		},
		{
			ID:         "IMG-014",
			Title:      "Images are built on minimal bases",
			Domain:     check.DomainImages,
			Level:      check.L1,
			Severity:   check.SeverityLow,
			References: check.References{Standard: []string{"S3.8"}, MLPS: []string{"G4a"}},
			Rationale: "Every package in an image is attack surface and patch work. The check lists each image's " +
				"OS family and component count from Trivy SbomReports; whether a full distribution is needed is " +
				"a judgement, so images on a non-minimal base are left for a person to confirm.",
			Remediation: "Build on distroless, Alpine, Wolfi or scratch and use multi-stage builds so compilers " +
				"and package managers stay out of the runtime image; attest the images that need more.",
			Evaluate: imgMinimalImages,
		},
		{
			ID:         "IMG-015",
			Title:      "Running images are rebuilt regularly",
			Domain:     check.DomainImages,
			Level:      check.L2,
			Severity:   check.SeverityLow,
			References: check.References{NIST: []string{"3.2.2", "4.2.2", "6.4"}, MLPS: []string{"G4e"}},
			Rationale: "An image that has not been rebuilt for months carries every vulnerability fixed in its " +
				"base since then. The check reads the OCI creation date (org.opencontainers.image.created) where " +
				"the scanner's SBOM records it; otherwise a person must check image ages in the registry.",
			Remediation: "Rebuild and redeploy images on a schedule (at least within the maximum image age) so " +
				"base-image fixes reach production.",
			Evaluate: imgImageAge,
		},
	}
}

// --- image references ---

// imgRegistryListed reports whether the image matches an entry of a registry list: a host, a
// host/path prefix, or a wildcard pattern of either.
func imgRegistryListed(ref imageref.Ref, entries []string) bool {
	for _, e := range entries {
		e = strings.ToLower(strings.TrimSpace(e))
		e = strings.TrimPrefix(strings.TrimPrefix(e, "https://"), "http://")
		e = strings.TrimSuffix(e, "/")
		host, path, hasPath := strings.Cut(e, "/")
		if e == "" || !glob.Wildcard(imageref.NormalizeHost(host), ref.Registry) {
			continue
		}
		if !hasPath || path == "*" || ref.Repository == path || strings.HasPrefix(ref.Repository, path+"/") ||
			glob.Wildcard(path, ref.Repository) {
			return true
		}
	}
	return false
}

// --- per-container evaluation ---

// imgContainer is one container of a workload with its parsed image.
type imgContainer struct {
	c    *corev1.Container
	kind check.ContainerKind
	ref  imageref.Ref
	err  error
}

// name names the container and its image in a message.
func (ic *imgContainer) name() string {
	return fmt.Sprintf("%s image %q", check.ContainerRef(ic.c, ic.kind), ic.c.Image)
}

// imgContainers lists a workload's containers. Scanner reports cover the pod template's
// containers, so the report checks leave out ephemeral debug containers (WKL-017 judges those).
func imgContainers(w *check.Workload, withEphemeral bool) []imgContainer {
	var out []imgContainer
	check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
		if kind == check.EphemeralContainer && !withEphemeral {
			return
		}
		ref, err := imageref.Parse(c.Image)
		out = append(out, imgContainer{c: c, kind: kind, ref: ref, err: err})
	})
	return out
}

// imgEachContainer returns an Evaluate function that reports each workload once with the
// problems judge finds in its container images; an unreadable image reference makes the finding
// an Error.
func imgEachContainer(judge func(s *check.Snapshot, ref imageref.Ref) string) func(s *check.Snapshot) []check.Finding {
	return func(s *check.Snapshot) []check.Finding {
		var out []check.Finding
		workloads := s.Workloads()
		for i := range workloads {
			w := &workloads[i]
			var problems []string
			unreadable := false
			for _, ic := range imgContainers(w, true) {
				if ic.err != nil {
					unreadable = true
					problems = append(problems, fmt.Sprintf("%s cannot be parsed: %v", ic.name(), ic.err))
					continue
				}
				if p := judge(s, ic.ref); p != "" {
					problems = append(problems, ic.name()+" "+p)
				}
			}
			switch {
			case unreadable:
				out = append(out, check.Errorf(w.Ref, "%s", strings.Join(problems, "; ")))
			case len(problems) > 0:
				out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
			}
		}
		return out
	}
}

// IMG-001.
func imgTagProblem(_ *check.Snapshot, ref imageref.Ref) string {
	switch {
	case ref.Digest != "":
		return ""
	case ref.Tag == "":
		return "has no tag, which means latest"
	case ref.Tag == "latest":
		return "uses the latest tag"
	}
	return ""
}

// IMG-003.
func imgTrustedRegistries(s *check.Snapshot) []check.Finding {
	if len(s.Params.TrustedRegistries) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "SecurityProfile"}, "no trusted registries are configured: "+
			"set spec.parameters.trustedRegistries to the registries images may come from (e.g. your internal registry)")}
	}
	return imgEachContainer(func(s *check.Snapshot, ref imageref.Ref) string {
		if imgRegistryListed(ref, s.Params.TrustedRegistries) {
			return ""
		}
		return fmt.Sprintf("comes from %s, which no trusted registry (%s) covers", ref.Name(), check.ContainerNames(s.Params.TrustedRegistries))
	})(s)
}

// IMG-010.
func imgAlwaysPull(s *check.Snapshot) []check.Finding {
	plugin := "AlwaysPullImages cannot be seen on a managed control plane"
	if servers := cpflags.KubeAPIServer(s); len(servers) > 0 {
		all := true
		for _, srv := range servers {
			all = all && imgListContains(srv.Flags["enable-admission-plugins"], "AlwaysPullImages")
		}
		if all {
			return nil
		}
		plugin = "AlwaysPullImages is not in every kube-apiserver's --enable-admission-plugins"
	}
	var out []check.Finding
	workloads := s.Workloads()
	for i := range workloads {
		w := &workloads[i]
		var problems []string
		check.EachContainer(w.Spec, func(c *corev1.Container, kind check.ContainerKind) {
			policy, defaulted := imgPullPolicy(c)
			if policy == corev1.PullAlways {
				return
			}
			how := ""
			if defaulted {
				how = " (the default for a tagged or digest reference)"
			}
			problems = append(problems, fmt.Sprintf("%s has imagePullPolicy %s%s", check.ContainerRef(c, kind), policy, how))
		})
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s (%s)", strings.Join(problems, "; "), plugin))
		}
	}
	return out
}

// imgPullPolicy returns the container's pull policy, applying the API server's default when it
// is unset (as in manifests): Always for an untagged or :latest reference, else IfNotPresent.
func imgPullPolicy(c *corev1.Container) (corev1.PullPolicy, bool) {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy, false
	}
	ref, err := imageref.Parse(c.Image)
	if err == nil && ref.Digest == "" && (ref.Tag == "" || ref.Tag == "latest") {
		return corev1.PullAlways, true
	}
	return corev1.PullIfNotPresent, true
}

func imgListContains(list, want string) bool {
	for _, v := range strings.Split(list, ",") {
		if strings.TrimSpace(v) == want {
			return true
		}
	}
	return false
}

// IMG-012.
func imgPullCredentials(s *check.Snapshot) []check.Finding {
	p := s.Params.Images
	accounts := map[string]*corev1.ServiceAccount{}
	for _, sa := range s.ServiceAccounts {
		accounts[sa.Namespace+"/"+sa.Name] = sa
	}
	used := map[string]bool{} // namespace/secret names some pod or ServiceAccount pulls with
	for _, sa := range s.ServiceAccounts {
		for _, ref := range sa.ImagePullSecrets {
			used[sa.Namespace+"/"+ref.Name] = true
		}
	}
	var out []check.Finding
	workloads := s.Workloads()
	for i := range workloads {
		w := &workloads[i]
		spec := w.Spec
		if w.Pod != nil {
			spec = &w.Pod.Spec // a pod folded into its controller keeps its own pull secrets
		}
		hasSecrets := len(spec.ImagePullSecrets) > 0
		for _, ref := range spec.ImagePullSecrets {
			used[w.Ref.Namespace+"/"+ref.Name] = true
		}
		if sa := accounts[w.Ref.Namespace+"/"+check.PodServiceAccount(spec)]; sa != nil && len(sa.ImagePullSecrets) > 0 {
			hasSecrets = true
		}
		if hasSecrets {
			continue
		}
		var problems []string
		for _, ic := range imgContainers(w, true) {
			if ic.err != nil || imgRegistryListed(ic.ref, p.PublicRegistries) || imgRegistryListed(ic.ref, p.NodeCredentialRegistries) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s comes from private registry %s", ic.name(), ic.ref.Registry))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s, but neither the pod nor its ServiceAccount %q has imagePullSecrets",
				strings.Join(problems, "; "), check.PodServiceAccount(spec)))
		}
	}
	return append(out, imgUnusedPullSecrets(s, used)...)
}

// imgUnusedPullSecrets reports registry credentials in namespaces where no pod or ServiceAccount
// pulls with them; used holds namespace/name of the ones in use.
func imgUnusedPullSecrets(s *check.Snapshot, used map[string]bool) []check.Finding {
	if !s.SecretsRead {
		return nil
	}
	var out []check.Finding
	for _, sec := range s.Secrets {
		if (sec.Type != corev1.SecretTypeDockerConfigJson && sec.Type != corev1.SecretTypeDockercfg) ||
			!s.InScope(sec.Namespace) || used[sec.Namespace+"/"+sec.Name] {
			continue
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Secret", Namespace: sec.Namespace, Name: sec.Name},
			"registry credentials of type %s that no pod or ServiceAccount in the namespace pulls with", sec.Type))
	}
	return out
}

// --- admission gates (IMG-004, IMG-005, IMG-008) ---

// imgGate is one admission mechanism that enforces an image rule.
type imgGate struct {
	ref check.ObjectRef
	// covers reports whether the gate applies to pods of the namespace.
	covers func(ns *corev1.Namespace) bool
	// images reports whether the gate checks the image; nil means every image.
	images func(ref imageref.Ref) bool
}

// imgImageRule matches words for images in policy text: image, images, and image fields in CEL
// (c.image), but not imagePullPolicy.
var imgImageRule = regexp.MustCompile(`\bimages?\b`)

// imgMentionsImages reports whether a policy fragment reads images: a key or a string value
// names them. Messages are left out, since they describe rather than test.
func imgMentionsImages(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if k == "message" || k == "messageExpression" {
				continue
			}
			if imgImageRule.MatchString(k) || imgMentionsImages(val) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if imgMentionsImages(e) {
				return true
			}
		}
	case string:
		return imgImageRule.MatchString(t)
	}
	return false
}

// imgNamespaceCoverage reports each in-scope namespace that no gate covers; with no gate at all
// it returns the single finding none.
func imgNamespaceCoverage(s *check.Snapshot, gates []imgGate, what string, none check.Finding) []check.Finding {
	if len(gates) == 0 {
		return []check.Finding{none}
	}
	var names []string
	for _, g := range gates {
		names = append(names, g.ref.String())
	}
	var out []check.Finding
	for _, ns := range s.ScopedNamespaces() {
		covered := false
		for _, g := range gates {
			covered = covered || g.covers(ns)
		}
		if !covered {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Namespace", Name: ns.Name}, "no %s applies to this namespace (none of %s enforces here)",
				what, check.ContainerNames(names)))
		}
	}
	return out
}

// IMG-004.
func imgRegistryEnforcement(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission enforcement is a cluster-wide fact that manifests do not show")}
	}
	if len(s.ScopedNamespaces()) == 0 {
		return []check.Finding{check.NotApplicablef("no namespace is in scope")}
	}
	var gates []imgGate
	var audit []string
	imgKyvernoRules(s, func(pol *unstructured.Unstructured, rule map[string]any, policyAction string) {
		validate, ok := rule["validate"].(map[string]any)
		if !ok || !imgMentionsImages(validate) {
			return
		}
		action, _, _ := unstructured.NestedString(validate, "failureAction")
		if g, enforced := imgKyvernoGate(pol, rule, action, policyAction); enforced {
			gates = append(gates, g)
		} else {
			audit = append(audit, unstruct.Ref(pol).String())
		}
	})
	gates = append(gates, imgGatekeeperGates(s, "repo", "registr")...)
	gates = append(gates, imgVAPGates(s, func(p *admissionregistrationv1.ValidatingAdmissionPolicy) bool {
		for _, v := range p.Spec.Validations {
			if imgImageRule.MatchString(v.Expression) {
				return true
			}
		}
		return false
	})...)
	msg := "no admission policy enforces the registry allowlist: no Kyverno image rule in Enforce mode, no denying " +
		"Gatekeeper allowed-repos/registries constraint and no ValidatingAdmissionPolicy on images bound with Deny"
	if len(audit) > 0 {
		msg += fmt.Sprintf(" (%s only audit)", check.ContainerNames(imgUnique(audit)))
	}
	return imgNamespaceCoverage(s, gates, "enforcing registry policy", check.Failf(check.ObjectRef{Kind: "ClusterPolicy"}, "%s", msg))
}

// IMG-005.
func imgSignatureVerification(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission enforcement is a cluster-wide fact that manifests do not show")}
	}
	var gates []imgGate
	var audit []string
	imgKyvernoRules(s, func(pol *unstructured.Unstructured, rule map[string]any, policyAction string) {
		entries, _, _ := unstructured.NestedSlice(rule, "verifyImages")
		for _, e := range entries {
			entry := unstruct.Map(e)
			action, _, _ := unstructured.NestedString(entry, "failureAction")
			refs, _, _ := unstructured.NestedStringSlice(entry, "imageReferences")
			g, enforced := imgKyvernoGate(pol, rule, action, policyAction)
			if !enforced {
				audit = append(audit, unstruct.Ref(pol).String())
				continue
			}
			g.images = func(ref imageref.Ref) bool { return imgAnyForm(ref, refs, glob.Wildcard) }
			gates = append(gates, g)
		}
	})
	for _, cip := range s.Extra[imgSigstorePolicy] {
		mode, _, _ := unstructured.NestedString(cip.Object, "spec", "mode")
		if mode != "" && !strings.EqualFold(mode, "enforce") {
			audit = append(audit, unstruct.Ref(cip).String())
			continue
		}
		gates = append(gates, imgSigstoreGate(cip))
	}
	gates = append(gates, imgWebhookGates(s, []string{"*connaisseur*"}, true)...)
	gates = append(gates, imgGatekeeperGates(s, "ratify")...)
	if len(gates) == 0 {
		msg := "no admission policy verifies image signatures: no Kyverno verifyImages rule in Enforce mode, no Sigstore " +
			"ClusterImagePolicy in enforce mode, no fail-closed Connaisseur webhook and no denying Ratify constraint"
		if len(audit) > 0 {
			msg += fmt.Sprintf(" (%s only warn or audit)", check.ContainerNames(imgUnique(audit)))
		}
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "ClusterPolicy"}, "%s", msg)}
	}
	var out []check.Finding
	workloads := s.Workloads()
	for i := range workloads {
		w := &workloads[i]
		ns := s.Namespace(w.Ref.Namespace)
		if ns == nil {
			ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: w.Ref.Namespace}}
		}
		var problems []string
		for _, ic := range imgContainers(w, true) {
			verified := false
			for _, g := range gates {
				verified = verified || (g.covers(ns) && (g.images == nil || (ic.err == nil && g.images(ic.ref))))
			}
			if !verified {
				problems = append(problems, ic.name())
			}
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "no enforcing signature verification covers %s", strings.Join(problems, ", ")))
		}
	}
	return out
}

// IMG-008.
func imgScanGate(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("admission enforcement is a cluster-wide fact that manifests do not show")}
	}
	if len(s.ScopedNamespaces()) == 0 {
		return []check.Finding{check.NotApplicablef("no namespace is in scope")}
	}
	gates := imgWebhookGates(s, s.Params.Images.ScanGateWebhooks, false)
	imgKyvernoRules(s, func(pol *unstructured.Unstructured, rule map[string]any, policyAction string) {
		entries, _, _ := unstructured.NestedSlice(rule, "verifyImages")
		for _, e := range entries {
			entry := unstruct.Map(e)
			if !imgRequiresVulnAttestation(entry["attestations"]) {
				continue
			}
			action, _, _ := unstructured.NestedString(entry, "failureAction")
			if g, enforced := imgKyvernoGate(pol, rule, action, policyAction); enforced {
				gates = append(gates, g)
			}
		}
	})
	for _, cip := range s.Extra[imgSigstorePolicy] {
		mode, _, _ := unstructured.NestedString(cip.Object, "spec", "mode")
		authorities, _, _ := unstructured.NestedSlice(cip.Object, "spec", "authorities")
		vuln := false
		for _, a := range authorities {
			vuln = vuln || imgRequiresVulnAttestation(unstruct.Map(a)["attestations"])
		}
		if vuln && (mode == "" || strings.EqualFold(mode, "enforce")) {
			gates = append(gates, imgSigstoreGate(cip))
		}
	}
	if len(gates) == 0 {
		for _, srv := range cpflags.KubeAPIServer(s) {
			if imgListContains(srv.Flags["enable-admission-plugins"], "ImagePolicyWebhook") {
				return []check.Finding{check.Manualf("the ImagePolicyWebhook admission plugin is enabled on %s: verify that its backend rejects "+
					"unscanned or vulnerable images and that defaultAllow is false in its admission configuration, and attest it", srv.Ref.Name)}
			}
		}
	}
	return imgNamespaceCoverage(s, gates, "fail-closed scan gate", check.Failf(check.ObjectRef{Kind: "ValidatingWebhookConfiguration"},
		"no deploy-time scan gate: no scanner admission webhook with failurePolicy Fail (names like %s) and no enforced "+
			"policy requiring a vulnerability-scan attestation", check.ContainerNames(s.Params.Images.ScanGateWebhooks)))
}

// imgRequiresVulnAttestation reports whether attestation requirements ask for a vulnerability
// scan predicate, such as cosign's https://cosign.sigstore.dev/attestation/vuln/v1.
func imgRequiresVulnAttestation(v any) bool {
	list, _ := v.([]any)
	for _, a := range list {
		m := unstruct.Map(a)
		for _, key := range []string{"type", "predicateType"} {
			if t, ok := m[key].(string); ok && strings.Contains(strings.ToLower(t), "vuln") {
				return true
			}
		}
	}
	return false
}

func imgAnyForm(ref imageref.Ref, patterns []string, match func(pattern, s string) bool) bool {
	for _, p := range patterns {
		for _, f := range ref.Forms() {
			if match(p, f) {
				return true
			}
		}
	}
	return false
}

func imgUnique(list []string) []string {
	sort.Strings(list)
	out := list[:0]
	for i, v := range list {
		if i == 0 || v != list[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// imgSigstoreGate covers namespaces labelled for the policy-controller and the images of the
// ClusterImagePolicy's globs.
func imgSigstoreGate(cip *unstructured.Unstructured) imgGate {
	var globs []string
	images, _, _ := unstructured.NestedSlice(cip.Object, "spec", "images")
	for _, im := range images {
		if g, ok := unstruct.Map(im)["glob"].(string); ok {
			globs = append(globs, g)
		}
	}
	return imgGate{
		ref:    unstruct.Ref(cip),
		covers: func(ns *corev1.Namespace) bool { return ns.Labels[imgSigstoreInclude] == "true" },
		images: func(ref imageref.Ref) bool { return imgAnyForm(ref, globs, glob.Sigstore) },
	}
}

// imgKyvernoRules calls fn for every rule of the Kyverno ClusterPolicies and Policies that
// applies to pods or their controllers, with the policy's default failure action.
func imgKyvernoRules(s *check.Snapshot, fn func(pol *unstructured.Unstructured, rule map[string]any, policyAction string)) {
	for _, gk := range []string{"ClusterPolicy.kyverno.io", "Policy.kyverno.io"} {
		for _, pol := range s.Extra[gk] {
			action, _, _ := unstructured.NestedString(pol.Object, "spec", "validationFailureAction")
			rules, _, _ := unstructured.NestedSlice(pol.Object, "spec", "rules")
			for _, r := range rules {
				if rule := unstruct.Map(r); rule != nil && admission.KyvernoRuleMatchesPods(rule) {
					fn(pol, rule, action)
				}
			}
		}
	}
}

// imgKyvernoGate builds the gate of one Kyverno rule whose entry has failure action action
// (empty: the policy's). It reports whether the rule enforces anywhere; per-namespace overrides
// of the policy's action are applied in covers.
func imgKyvernoGate(pol *unstructured.Unstructured, rule map[string]any, action, policyAction string) (imgGate, bool) {
	type override struct {
		enforce bool
		nss     []string
		sel     *metav1.LabelSelector
	}
	var overrides []override
	if action == "" {
		list, _, _ := unstructured.NestedSlice(pol.Object, "spec", "validationFailureActionOverrides")
		for _, o := range list {
			m := unstruct.Map(o)
			a, _ := m["action"].(string)
			nss, _, _ := unstructured.NestedStringSlice(m, "namespaces")
			overrides = append(overrides, override{enforce: strings.EqualFold(a, "Enforce"), nss: nss, sel: imgLabelSelector(m["namespaceSelector"])})
		}
		action = policyAction
	}
	enforce := strings.EqualFold(action, "Enforce")
	enforcedSomewhere := enforce
	for _, o := range overrides {
		enforcedSomewhere = enforcedSomewhere || o.enforce
	}
	policyNS := pol.GetNamespace()
	g := imgGate{ref: unstruct.Ref(pol), covers: func(ns *corev1.Namespace) bool {
		if policyNS != "" && ns.Name != policyNS {
			return false
		}
		if !imgKyvernoMatches(rule["match"], ns) || imgKyvernoExcludes(rule["exclude"], ns) {
			return false
		}
		effective := enforce
		for _, o := range overrides {
			if (len(o.nss) > 0 && glob.WildcardAny(o.nss, ns.Name)) || (o.sel != nil && labelsel.Matches(o.sel, ns.Labels)) {
				effective = o.enforce
				break
			}
		}
		return effective
	}}
	return g, enforcedSomewhere
}

// imgKyvernoFilters returns the resource filters of a match or exclude block and whether all of
// them must apply.
func imgKyvernoFilters(block any) (filters []map[string]any, all bool) {
	m := unstruct.Map(block)
	if m == nil {
		return nil, false
	}
	for _, key := range []string{"any", "all"} {
		list, _, _ := unstructured.NestedSlice(m, key)
		for _, f := range list {
			filters = append(filters, unstruct.Map(f))
		}
		all = all || (key == "all" && len(list) > 0)
	}
	if _, ok := m["resources"]; ok {
		filters = append(filters, m)
	}
	return filters, all
}

// imgKyvernoMatches reports whether a rule's match block selects pods of the namespace.
func imgKyvernoMatches(block any, ns *corev1.Namespace) bool {
	filters, all := imgKyvernoFilters(block)
	if len(filters) == 0 {
		return false
	}
	for _, f := range filters {
		res := unstruct.Map(f["resources"])
		nss, _, _ := unstructured.NestedStringSlice(res, "namespaces")
		ok := (len(nss) == 0 || glob.WildcardAny(nss, ns.Name)) && labelsel.Matches(labelsel.OrEverything(imgLabelSelector(res["namespaceSelector"])), ns.Labels)
		if ok && !all {
			return true
		}
		if !ok && all {
			return false
		}
	}
	return all
}

// imgKyvernoExcludes reports whether a rule's exclude block takes every pod of the namespace out.
// A filter narrowed by names, labels or subjects excludes only some pods and is not counted.
func imgKyvernoExcludes(block any, ns *corev1.Namespace) bool {
	filters, _ := imgKyvernoFilters(block)
	for _, f := range filters {
		res := unstruct.Map(f["resources"])
		if f["subjects"] != nil || f["roles"] != nil || f["clusterRoles"] != nil ||
			res["names"] != nil || res["name"] != nil || res["selector"] != nil || res["annotations"] != nil {
			continue
		}
		kinds, _, _ := unstructured.NestedStringSlice(res, "kinds")
		podKinds := len(kinds) == 0
		for _, k := range kinds {
			podKinds = podKinds || admission.PodKinds[k[strings.LastIndex(k, "/")+1:]]
		}
		if !podKinds {
			continue
		}
		nss, _, _ := unstructured.NestedStringSlice(res, "namespaces")
		sel := imgLabelSelector(res["namespaceSelector"])
		if len(nss) == 0 && sel == nil {
			if len(kinds) > 0 {
				return true // pods are excluded everywhere
			}
			continue
		}
		if (len(nss) == 0 || glob.WildcardAny(nss, ns.Name)) && labelsel.Matches(labelsel.OrEverything(sel), ns.Labels) {
			return true
		}
	}
	return false
}

// imgLabelSelector reads a label selector from an unstructured value; nil when absent or
// unreadable.
func imgLabelSelector(v any) *metav1.LabelSelector {
	m := unstruct.Map(v)
	if m == nil {
		return nil
	}
	sel := &metav1.LabelSelector{}
	if err := unstruct.Decode(&unstructured.Unstructured{Object: m}, sel); err != nil {
		return nil
	}
	return sel
}

// imgGatekeeperGates returns the denying Gatekeeper constraints on pods whose kind contains one
// of the words, such as K8sAllowedRepos for "repo".
func imgGatekeeperGates(s *check.Snapshot, words ...string) []imgGate {
	var out []imgGate
	for _, gk := range slices.Sorted(maps.Keys(s.Extra)) {
		kind, group, _ := strings.Cut(gk, ".")
		if group != "constraints.gatekeeper.sh" {
			continue
		}
		relevant := false
		for _, w := range words {
			relevant = relevant || strings.Contains(strings.ToLower(kind), w)
		}
		if !relevant {
			continue
		}
		for _, c := range s.Extra[gk] {
			action, _, _ := unstructured.NestedString(c.Object, "spec", "enforcementAction")
			if !admission.GatekeeperConstraintAppliesToPods(c) ||
				!(action == "" || action == "deny" || (action == "scoped" && admission.GatekeeperScopedDeny(c))) {
				continue
			}
			match := unstruct.Map(unstruct.Map(c.Object["spec"])["match"])
			nss, _, _ := unstructured.NestedStringSlice(match, "namespaces")
			excluded, _, _ := unstructured.NestedStringSlice(match, "excludedNamespaces")
			sel := imgLabelSelector(match["namespaceSelector"])
			out = append(out, imgGate{ref: unstruct.Ref(c), covers: func(ns *corev1.Namespace) bool {
				return (len(nss) == 0 || glob.WildcardAny(nss, ns.Name)) && !glob.WildcardAny(excluded, ns.Name) &&
					labelsel.Matches(labelsel.OrEverything(sel), ns.Labels)
			}})
		}
	}
	return out
}

// imgVAPGates returns the ValidatingAdmissionPolicies on pods that relevant accepts, bound with
// Deny and failing closed, one gate per binding.
func imgVAPGates(s *check.Snapshot, relevant func(*admissionregistrationv1.ValidatingAdmissionPolicy) bool) []imgGate {
	policies := map[string]*admissionregistrationv1.ValidatingAdmissionPolicy{}
	for _, p := range s.ValidatingAdmissionPolicies {
		policies[p.Name] = p
	}
	var out []imgGate
	for _, b := range s.ValidatingAdmissionPolicyBindings {
		p := policies[b.Spec.PolicyName]
		deny := false
		for _, a := range b.Spec.ValidationActions {
			deny = deny || a == admissionregistrationv1.Deny
		}
		if p == nil || !deny || !admission.VAPCoversPods(p) || !admission.FailClosed(p.Spec.FailurePolicy) || !relevant(p) {
			continue
		}
		policySel := p.Spec.MatchConstraints.NamespaceSelector
		var bindingSel *metav1.LabelSelector
		if b.Spec.MatchResources != nil {
			bindingSel = b.Spec.MatchResources.NamespaceSelector
		}
		out = append(out, imgGate{ref: check.ObjectRef{Kind: "ValidatingAdmissionPolicyBinding", Name: b.Name}, covers: func(ns *corev1.Namespace) bool {
			return labelsel.Matches(labelsel.OrEverything(policySel), ns.Labels) && labelsel.Matches(labelsel.OrEverything(bindingSel), ns.Labels)
		}})
	}
	return out
}

// imgWebhookGates returns the fail-closed admission webhooks on pods whose configuration or
// webhook name matches a pattern; mutating webhooks count when withMutating is set.
func imgWebhookGates(s *check.Snapshot, patterns []string, withMutating bool) []imgGate {
	matches := func(names ...string) bool {
		for _, n := range names {
			if glob.WildcardAny(patterns, strings.ToLower(n)) {
				return true
			}
		}
		return false
	}
	var out []imgGate
	add := func(kind, config, name string, fp *admissionregistrationv1.FailurePolicyType,
		rules []admissionregistrationv1.RuleWithOperations, sel *metav1.LabelSelector) {
		if !matches(config, name) || !admission.FailClosed(fp) || !imgWebhookRulesCoverPods(rules) {
			return
		}
		out = append(out, imgGate{ref: check.ObjectRef{Kind: kind, Name: config}, covers: func(ns *corev1.Namespace) bool {
			return labelsel.Matches(labelsel.OrEverything(sel), ns.Labels)
		}})
	}
	for _, vwc := range s.ValidatingWebhookConfigurations {
		for _, wh := range vwc.Webhooks {
			add("ValidatingWebhookConfiguration", vwc.Name, wh.Name, wh.FailurePolicy, wh.Rules, wh.NamespaceSelector)
		}
	}
	if withMutating {
		for _, mwc := range s.MutatingWebhookConfigurations {
			for _, wh := range mwc.Webhooks {
				add("MutatingWebhookConfiguration", mwc.Name, wh.Name, wh.FailurePolicy, wh.Rules, wh.NamespaceSelector)
			}
		}
	}
	return out
}

// imgWebhookRulesCoverPods reports whether webhook rules see pods or their controllers created.
func imgWebhookRulesCoverPods(rules []admissionregistrationv1.RuleWithOperations) bool {
	for _, r := range rules {
		creates := false
		for _, op := range r.Operations {
			creates = creates || op == admissionregistrationv1.Create || op == admissionregistrationv1.OperationAll
		}
		if !creates {
			continue
		}
		for _, res := range r.Resources {
			if admission.PodResources[res] {
				return true
			}
		}
	}
	return false
}

// --- scanner reports (IMG-006, IMG-007, IMG-009, IMG-014, IMG-015) ---

// imgReports indexes one kind of Trivy Operator report by the container it was made for and by
// the image it describes, keeping the newest report for each key.
type imgReports struct {
	byOwner map[string]*unstructured.Unstructured
	byImage map[string]*unstructured.Unstructured
	count   int
}

func imgIndexReports(s *check.Snapshot, groupKind string) *imgReports {
	ix := &imgReports{byOwner: map[string]*unstructured.Unstructured{}, byImage: map[string]*unstructured.Unstructured{}}
	keep := func(m map[string]*unstructured.Unstructured, key string, r *unstructured.Unstructured) {
		if old, ok := m[key]; !ok || imgReportTime(r).After(imgReportTime(old)) {
			m[key] = r
		}
	}
	for _, r := range s.Extra[groupKind] {
		ix.count++
		l := r.GetLabels()
		ns := cmp.Or(l["trivy-operator.resource.namespace"], r.GetNamespace())
		if kind, name := l["trivy-operator.resource.kind"], l["trivy-operator.resource.name"]; kind != "" && name != "" {
			keep(ix.byOwner, ns+"/"+kind+"/"+name+"/"+l["trivy-operator.container.name"], r)
		}
		server, _, _ := unstructured.NestedString(r.Object, "report", "registry", "server")
		repo, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "repository")
		tag, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "tag")
		digest, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "digest")
		if repo == "" {
			continue
		}
		image := repo
		if server != "" {
			image = server + "/" + repo
		}
		ref, err := imageref.Parse(image)
		if err != nil {
			continue
		}
		if digest != "" {
			ref.Digest = digest
			keep(ix.byImage, ref.Key(), r)
			ref.Digest = ""
		}
		if tag != "" {
			ref.Tag = tag
			keep(ix.byImage, ref.Key(), r)
		}
	}
	return ix
}

// lookup finds the report for a workload container: by the owner labels Trivy Operator sets (a
// Deployment's reports name its ReplicaSets), else by the image.
func (ix *imgReports) lookup(s *check.Snapshot, w *check.Workload, ic *imgContainer) *unstructured.Unstructured {
	owners := []string{w.Ref.Kind + "/" + w.Ref.Name}
	if w.Ref.Kind == "Deployment" {
		for _, rs := range s.ReplicaSets {
			if owner := metav1.GetControllerOf(rs); rs.Namespace == w.Ref.Namespace && owner != nil &&
				owner.Kind == "Deployment" && owner.Name == w.Ref.Name {
				owners = append(owners, "ReplicaSet/"+rs.Name)
			}
		}
	}
	var best *unstructured.Unstructured
	for _, o := range owners {
		r := ix.byOwner[w.Ref.Namespace+"/"+o+"/"+ic.c.Name]
		if r != nil && (ic.err != nil || imgReportDescribes(r, ic.ref)) && (best == nil || imgReportTime(r).After(imgReportTime(best))) {
			best = r
		}
	}
	if best != nil || ic.err != nil {
		return best
	}
	return ix.byImage[ic.ref.Key()]
}

// imgReportDescribes reports whether a report is about the image ref names. A report left over
// from an older ReplicaSet of a Deployment describes the image before the last rollout and must
// not stand for the current one. A report that does not name its image is taken at its word.
func imgReportDescribes(r *unstructured.Unstructured, ref imageref.Ref) bool {
	server, _, _ := unstructured.NestedString(r.Object, "report", "registry", "server")
	repo, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "repository")
	tag, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "tag")
	digest, _, _ := unstructured.NestedString(r.Object, "report", "artifact", "digest")
	if repo == "" {
		return true
	}
	if server != "" {
		repo = server + "/" + repo
	}
	got, err := imageref.Parse(repo)
	if err != nil || got.Name() != ref.Name() {
		return false
	}
	if ref.Digest != "" && digest != "" {
		return digest == ref.Digest
	}
	return tag == "" || tag == cmp.Or(ref.Tag, "latest")
}

// imgReportTime is when the scanner last wrote the report.
func imgReportTime(r *unstructured.Unstructured) time.Time {
	if v, _, _ := unstructured.NestedString(r.Object, "report", "updateTimestamp"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
	}
	return r.GetCreationTimestamp().Time
}

// imgReportPrelude handles what every report check decides first: manifests carry no reports,
// and without the report kind a person must verify scanning.
func imgReportPrelude(s *check.Snapshot, groupKind, what string) ([]check.Finding, bool) {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("scanner reports exist only in a live cluster")}, true
	}
	if !s.HasExtra(groupKind) {
		kind, _, _ := strings.Cut(groupKind, ".")
		return []check.Finding{check.Manualf("the cluster does not serve Trivy Operator's %s kind: %s, or install Trivy Operator", kind, what)}, true
	}
	return nil, false
}

// imgEachScanned calls judge for every pod-template container of every in-scope workload with
// its report (nil when none) and reports each workload once with the problems found.
func imgEachScanned(s *check.Snapshot, ix *imgReports, judge func(w *check.Workload, ic *imgContainer, r *unstructured.Unstructured) string) []check.Finding {
	var out []check.Finding
	workloads := s.Workloads()
	for i := range workloads {
		w := &workloads[i]
		var problems []string
		for _, ic := range imgContainers(w, false) {
			if p := judge(w, &ic, ix.lookup(s, w, &ic)); p != "" {
				problems = append(problems, ic.name()+" "+p)
			}
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s", strings.Join(problems, "; ")))
		}
	}
	return out
}

// IMG-006.
func imgScanCoverage(s *check.Snapshot) []check.Finding {
	maxAge := s.Params.Images.ScanMaxAge
	if out, done := imgReportPrelude(s, imgVulnReportKind, fmt.Sprintf("verify that every running image is scanned for vulnerabilities at least every %s and attest it", check.ApproxDuration(maxAge))); done {
		return out
	}
	ix := imgIndexReports(s, imgVulnReportKind)
	return imgEachScanned(s, ix, func(_ *check.Workload, _ *imgContainer, r *unstructured.Unstructured) string {
		if r == nil {
			return "has no vulnerability report"
		}
		if age := s.Now.Sub(imgReportTime(r)); age > maxAge {
			return fmt.Sprintf("was last scanned %s ago (report %s; at most %s allowed)", check.ApproxDuration(age), r.GetName(), check.ApproxDuration(maxAge))
		}
		return ""
	})
}

// imgSeverityOrder lists Trivy severities from most to least severe.
var imgSeverityOrder = []string{"CRITICAL", "HIGH", "MEDIUM"}

// IMG-007.
func imgVulnerabilities(s *check.Snapshot) []check.Finding {
	severities := imgSeverityOrder[:2]
	if s.Level >= check.L3 {
		severities = imgSeverityOrder
	}
	var names []string
	for _, sev := range severities {
		names = append(names, strings.ToLower(sev))
	}
	if out, done := imgReportPrelude(s, imgVulnReportKind, fmt.Sprintf(
		"verify that no running image has fixable vulnerabilities of severity %s and attest it", strings.Join(names, ", "))); done {
		return out
	}
	fixableOnly := s.Params.Images.FixableOnly
	ix := imgIndexReports(s, imgVulnReportKind)
	policies := netpol.PoliciesByNamespace(s)
	return imgEachScanned(s, ix, func(w *check.Workload, ic *imgContainer, r *unstructured.Unstructured) string {
		if r == nil {
			return "" // IMG-006 reports missing scans
		}
		counts, ids, listed := imgCountVulnerabilities(r, severities, fixableOnly)
		var parts []string
		for _, sev := range severities {
			if counts[sev] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", counts[sev], strings.ToLower(sev)))
			}
		}
		if len(parts) == 0 {
			return ""
		}
		what := "vulnerabilities"
		switch {
		case !listed:
			what += " (counted from the report summary, so whether a fix exists is unknown)"
		case fixableOnly:
			what = "fixable " + what
		}
		msg := fmt.Sprintf("has %s: %s", what, strings.Join(parts, ", "))
		if len(ids) > 0 {
			msg += " (" + check.ContainerNames(ids) + ")"
		}
		if exposure := imgExposure(s, w, ic.c, policies); len(exposure) > 0 {
			msg += "; exposure: " + strings.Join(exposure, ", ")
		}
		return msg
	})
}

// imgCountVulnerabilities counts a report's findings of the given severities, only those with a
// fix when fixableOnly, with their IDs; without a vulnerability list it falls back to the summary.
func imgCountVulnerabilities(r *unstructured.Unstructured, severities []string, fixableOnly bool) (map[string]int, []string, bool) {
	counts := map[string]int{}
	want := map[string]bool{}
	for _, s := range severities {
		want[s] = true
	}
	vulns, listed, _ := unstructured.NestedSlice(r.Object, "report", "vulnerabilities")
	if !listed {
		for _, sev := range severities {
			n, _, _ := unstructured.NestedInt64(r.Object, "report", "summary", strings.ToLower(sev)+"Count")
			counts[sev] = int(n)
		}
		return counts, nil, false
	}
	seen := map[string]bool{}
	var ids []string
	for _, v := range vulns {
		m := unstruct.Map(v)
		sev, _ := m["severity"].(string)
		sev = strings.ToUpper(sev)
		fixed, _ := m["fixedVersion"].(string)
		if !want[sev] || (fixableOnly && strings.TrimSpace(fixed) == "") {
			continue
		}
		counts[sev]++
		if id, _ := m["vulnerabilityID"].(string); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return counts, ids, true
}

// imgExposure names what makes a vulnerable container more dangerous (seed 002 Q3–Q7).
func imgExposure(s *check.Snapshot, w *check.Workload, c *corev1.Container, policies map[string][]*networkingv1.NetworkPolicy) []string {
	var out []string
	if c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
		out = append(out, "privileged")
	}
	nonRoot, uid, _ := check.EffectiveRunAs(w.Spec.SecurityContext, c.SecurityContext)
	if (uid != nil && *uid == 0) || (uid == nil && (nonRoot == nil || !*nonRoot)) {
		out = append(out, "may run as root")
	}
	selected := false
	for _, np := range policies[w.Ref.Namespace] {
		selected = selected || netpol.Selects(np, w.Ref.Namespace, w.Template.Labels)
	}
	if !selected {
		out = append(out, "no NetworkPolicy selects it")
	}
	if len(check.PodSecretRefs(w.Spec)) > 0 {
		out = append(out, "reads Secrets")
	}
	if ns := s.Namespace(w.Ref.Namespace); ns != nil && ns.Labels[check.LabelCritical] == "true" {
		out = append(out, "production namespace")
	}
	return out
}

// IMG-009.
func imgExposedSecrets(s *check.Snapshot) []check.Finding {
	malware := check.Manualf("malware scanning (L3): verify that every image is scanned for malware before it runs and attest it; " +
		"no standard API object records malware-scan results")
	out, done := imgReportPrelude(s, imgSecretReportKind, "verify that no image contains private keys, passwords or tokens and attest it")
	if !done {
		ix := imgIndexReports(s, imgSecretReportKind)
		if ix.count == 0 {
			out = []check.Finding{check.Manualf("the ExposedSecretReport kind is served but no report exists: enable Trivy Operator's secret " +
				"scanner, or verify that no image contains private keys, passwords or tokens and attest it")}
		} else {
			out = imgEachScanned(s, ix, func(_ *check.Workload, _ *imgContainer, r *unstructured.Unstructured) string {
				if r == nil {
					return ""
				}
				return imgSecretProblem(r)
			})
		}
	}
	if s.Level >= check.L3 && s.Source != check.SourceManifests {
		out = append(out, malware)
	}
	return out
}

// imgSecretProblem describes the secrets an ExposedSecretReport found, or returns "".
func imgSecretProblem(r *unstructured.Unstructured) string {
	secrets, listed, _ := unstructured.NestedSlice(r.Object, "report", "secrets")
	var found []string
	for _, sec := range secrets {
		m := unstruct.Map(sec)
		title, _ := m["title"].(string)
		target, _ := m["target"].(string)
		found = append(found, fmt.Sprintf("%s in %s", cmp.Or(title, "secret"), cmp.Or(target, "the image")))
	}
	if len(found) > 0 {
		return fmt.Sprintf("contains %d exposed secrets: %s", len(found), check.ContainerNames(found))
	}
	if listed {
		return ""
	}
	total := int64(0)
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		n, _, _ := unstructured.NestedInt64(r.Object, "report", "summary", sev+"Count")
		total += n
	}
	if total > 0 {
		return fmt.Sprintf("contains %d exposed secrets (report %s)", total, r.GetName())
	}
	return ""
}

// IMG-014.
func imgMinimalImages(s *check.Snapshot) []check.Finding {
	if out, done := imgReportPrelude(s, imgSbomReportKind, "enable SBOM generation, or review each image's base and packages (S3.8) and attest it"); done {
		return out
	}
	ix := imgIndexReports(s, imgSbomReportKind)
	if ix.count == 0 {
		return []check.Finding{check.Manualf("no SbomReport exists: enable Trivy Operator's SBOM generation, or review each image's base and packages (S3.8) and attest it")}
	}
	minimal := s.Params.Images.MinimalOSFamilies
	var out []check.Finding
	workloads := s.Workloads()
	for i := range workloads {
		w := &workloads[i]
		var notes []string
		for _, ic := range imgContainers(w, false) {
			r := ix.lookup(s, w, &ic)
			if r == nil {
				continue
			}
			family, version := imgSbomOS(r)
			if family == "" || check.ContainsFold(minimal, family) {
				continue
			}
			count, _, _ := unstructured.NestedInt64(r.Object, "report", "summary", "componentsCount")
			notes = append(notes, fmt.Sprintf("%s is built on %s %s with %d components", ic.name(), family, version, count))
		}
		if len(notes) > 0 {
			out = append(out, check.Finding{Result: check.Manual, Object: w.Ref, Message: fmt.Sprintf(
				"%s (minimal bases: %s): confirm the image holds only the packages it needs, or rebuild it on a minimal base",
				strings.Join(notes, "; "), strings.Join(minimal, ", "))})
		}
	}
	return out
}

// imgSbomOS returns the operating system recorded in a CycloneDX SBOM report.
func imgSbomOS(r *unstructured.Unstructured) (family, version string) {
	components, _, _ := unstructured.NestedSlice(r.Object, "report", "components", "components")
	for _, c := range components {
		m := unstruct.Map(c)
		if t, _ := m["type"].(string); t == "operating-system" {
			family, _ = m["name"].(string)
			version, _ = m["version"].(string)
			return strings.ToLower(family), version
		}
	}
	return "", ""
}

// imgCreatedProperty is the OCI annotation (and image label) holding an image's build time.
const imgCreatedProperty = "org.opencontainers.image.created"

// IMG-015.
func imgImageAge(s *check.Snapshot) []check.Finding {
	if out, done := imgReportPrelude(s, imgSbomReportKind, "check the creation date of every running image in the registry and attest it"); done {
		return out
	}
	maxAge := s.Params.Images.ImageMaxAge
	ix := imgIndexReports(s, imgSbomReportKind)
	dated, undated := 0, 0
	out := imgEachScanned(s, ix, func(_ *check.Workload, _ *imgContainer, r *unstructured.Unstructured) string {
		created, ok := imgCreated(r)
		if !ok {
			undated++
			return ""
		}
		dated++
		if age := s.Now.Sub(created); age > maxAge {
			return fmt.Sprintf("was built %s ago, on %s (rebuild within %s)", check.ApproxDuration(age), created.UTC().Format(time.DateOnly), check.ApproxDuration(maxAge))
		}
		return ""
	})
	if undated > 0 {
		msg := fmt.Sprintf("%d containers have no image creation date in an SbomReport", undated)
		if dated == 0 {
			msg = "no SbomReport records an image creation date (" + imgCreatedProperty + ")"
		}
		out = append(out, check.Manualf("%s: check the creation dates of the running images in the registry (e.g. crane config "+
			"IMAGE | jq .created) and rebuild the ones older than %s", msg, check.ApproxDuration(maxAge)))
	}
	return out
}

// imgCreated reads the image creation time from the properties of an SBOM's image component.
func imgCreated(r *unstructured.Unstructured) (time.Time, bool) {
	if r == nil {
		return time.Time{}, false
	}
	props, _, _ := unstructured.NestedSlice(r.Object, "report", "components", "metadata", "component", "properties")
	for _, p := range props {
		m := unstruct.Map(p)
		name, _ := m["name"].(string)
		value, _ := m["value"].(string)
		if strings.HasSuffix(name, imgCreatedProperty) {
			if t, err := time.Parse(time.RFC3339, value); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// --- IMG-011 ---

func imgRegistryTLS(s *check.Snapshot) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("node runtime configuration is not part of manifests")}
	}
	runtimes := map[string]bool{}
	for _, n := range s.Nodes {
		rt, _, _ := strings.Cut(n.Status.NodeInfo.ContainerRuntimeVersion, "://")
		runtimes[cmp.Or(rt, "unknown")] = true
	}
	var steps []string
	for _, rt := range slices.Sorted(maps.Keys(runtimes)) {
		switch rt {
		case "containerd":
			steps = append(steps, "containerd: /etc/containerd/config.toml and /etc/containerd/certs.d/*/hosts.toml must have no "+
				"skip_verify = true, insecure_skip_verify or http:// endpoint")
		case "cri-o":
			steps = append(steps, "CRI-O: /etc/containers/registries.conf and registries.conf.d/* must have no insecure = true")
		case "docker":
			steps = append(steps, "Docker: /etc/docker/daemon.json must have no insecure-registries")
		default:
			steps = append(steps, fmt.Sprintf("runtime %s: its registry configuration must not skip TLS verification or use plain HTTP", rt))
		}
	}
	if len(steps) == 0 {
		steps = append(steps, "check the container runtime's registry configuration on every node for skipped TLS verification and plain HTTP")
	}
	return []check.Finding{check.Manualf("on every node (e.g. kubectl debug node/NAME --profile=sysadmin, then chroot /host), verify: %s; then attest it",
		strings.Join(steps, "; "))}
}

// --- IMG-013 ---

func imgInClusterRegistry(s *check.Snapshot) []check.Finding {
	type registry struct {
		ref      check.ObjectRef
		replicas *int32
		spec     *corev1.PodSpec
	}
	var found []registry
	consider := func(kind string, meta *metav1.ObjectMeta, replicas *int32, tmpl *corev1.PodTemplateSpec) {
		if s.Scope.Excluded[meta.Namespace] || !imgRunsRegistry(s, &tmpl.Spec) {
			return
		}
		found = append(found, registry{check.ObjectRef{Kind: kind, Namespace: meta.Namespace, Name: meta.Name}, replicas, &tmpl.Spec})
	}
	for _, d := range s.Deployments {
		consider("Deployment", &d.ObjectMeta, d.Spec.Replicas, &d.Spec.Template)
	}
	for _, st := range s.StatefulSets {
		consider("StatefulSet", &st.ObjectMeta, st.Spec.Replicas, &st.Spec.Template)
	}
	if len(found) == 0 {
		return []check.Finding{check.NotApplicablef("no image registry runs in the cluster: an external registry's redundancy, network zone and garbage collection need an attestation")}
	}
	policies := netpol.PoliciesByNamespace(s)
	cni, out := netpol.CNIPolicies(s)
	for _, r := range found {
		replicas := int32(1)
		if r.replicas != nil {
			replicas = *r.replicas
		}
		var problems []string
		switch {
		case replicas < 2:
			problems = append(problems, fmt.Sprintf("runs %d replica (at least 2 needed)", replicas))
		case s.Level >= check.L3 && (replicas < 3 || replicas%2 == 0):
			problems = append(problems, fmt.Sprintf("runs %d replicas (L3 needs an odd number of at least 3)", replicas))
		}
		isolated := netpol.CNIDefaultDenyIngress(s, cni, r.ref.Namespace) != ""
		for _, np := range policies[r.ref.Namespace] {
			isolated = isolated || netpol.IsDefaultDeny(np, networkingv1.PolicyTypeIngress)
		}
		if !isolated {
			problems = append(problems, fmt.Sprintf("namespace %s has no default-deny ingress NetworkPolicy", r.ref.Namespace))
		}
		gcJob := imgGarbageCollectionJob(s, r.ref.Namespace)
		builtIn := imgHasBuiltInGC(r.spec)
		if gcJob == "" && !builtIn {
			problems = append(problems, "no CronJob in its namespace runs registry garbage-collect")
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(r.ref, "in-cluster image registry %s", strings.Join(problems, "; ")))
		} else if gcJob == "" {
			out = append(out, check.Finding{Result: check.Manual, Object: r.ref, Message: "the registry schedules garbage collection itself: " +
				"verify that its GC schedule is enabled (Harbor: Administration > Clean Up) and attest it"})
		}
	}
	return out
}

// imgRunsRegistry reports whether a pod template runs a registry image.
func imgRunsRegistry(s *check.Snapshot, spec *corev1.PodSpec) bool {
	for _, c := range spec.Containers {
		ref, err := imageref.Parse(c.Image)
		if err != nil {
			continue
		}
		for _, pat := range s.Params.Images.RegistryImages {
			segments := strings.Count(pat, "/") + 1
			parts := strings.Split(ref.Repository, "/")
			if len(parts) >= segments && glob.Wildcard(pat, strings.Join(parts[len(parts)-segments:], "/")) {
				return true
			}
		}
	}
	return false
}

// imgHasBuiltInGC reports registries that schedule garbage collection themselves (Harbor, zot,
// Quay) rather than through an external job, as the CNCF distribution registry needs.
func imgHasBuiltInGC(spec *corev1.PodSpec) bool {
	for _, c := range spec.Containers {
		for _, marker := range []string{"goharbor/", "project-zot/", "projectquay/"} {
			if strings.Contains(c.Image, marker) {
				return true
			}
		}
	}
	return false
}

// imgGarbageCollectionJob returns the name of a CronJob in ns that collects registry garbage.
func imgGarbageCollectionJob(s *check.Snapshot, ns string) string {
	for _, cj := range s.CronJobs {
		if cj.Namespace != ns || (cj.Spec.Suspend != nil && *cj.Spec.Suspend) {
			continue
		}
		if strings.Contains(cj.Name, "garbage") || glob.Wildcard("*gc*", cj.Name) {
			return cj.Name
		}
		for _, c := range cj.Spec.JobTemplate.Spec.Template.Spec.Containers {
			if strings.Contains(strings.Join(append(append([]string{}, c.Command...), c.Args...), " "), "garbage-collect") {
				return cj.Name
			}
		}
	}
	return ""
}
