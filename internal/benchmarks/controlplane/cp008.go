package controlplane

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

func cp008() check.Check {
	return check.Check{
		ID:       "CP-008",
		Title:    "Node trust is maintained: NodeRestriction is on, dead nodes are removed and only expected certificate requests are approved",
		Domain:   check.DomainControlPlane,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			NIST: []string{"3.3.5", "4.3.5"}, CIS: []string{"1.2.14"},
		},
		Rationale: "NodeRestriction confines each kubelet to its own node and pods. A node that has been NotReady " +
			"for days keeps its credentials and identity and may come back unpatched. An approved certificate " +
			"request for an unexpected signer or requester hands out a cluster-trusted identity, such as a client " +
			"certificate in system:masters.",
		Remediation: "Add NodeRestriction to --enable-admission-plugins; drain and delete nodes that stay NotReady " +
			"(kubectl delete node) and revoke their credentials; find who approved each listed " +
			"CertificateSigningRequest, revoke what it issued (rotate the CA if it granted system:masters), and " +
			"restrict certificatesigningrequests/approval. Expected signers go in ControlPlane.CSRApprovals.",
		Evaluate: cpNodeTrust,
	}
}

func cpNodeTrust(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("node trust is a fact of a live cluster")}
	}
	var out []check.Finding
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		out = append(out, check.Manualf("managed control plane: no kube-apiserver mirror pod in kube-system; verify with your provider "+
			"that the NodeRestriction admission plugin is enabled, then attest it"))
	}
	for _, api := range apiservers {
		if !slices.Contains(cpAdmissionPlugins(api.Flags), "NodeRestriction") {
			out = append(out, check.Failf(api.Ref, "NodeRestriction is not in --enable-admission-plugins, so a kubelet can modify other nodes and their pods"))
		}
	}
	maxAge := env.Params.ControlPlane.NotReadyNodeMaxAge
	for _, n := range s.Nodes {
		since, status := n.CreationTimestamp.Time, "no Ready condition"
		ready := false
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				ready = c.Status == corev1.ConditionTrue
				since, status = c.LastTransitionTime.Time, fmt.Sprintf("Ready=%s (%s)", c.Status, c.Reason)
			}
		}
		if !ready && !since.IsZero() && env.Now.Sub(since) > maxAge {
			out = append(out, check.Failf(check.ObjectRef{Kind: "Node", Name: n.Name}, "NotReady for %d days (%s since %s); remove it or bring it back",
				int(env.Now.Sub(since).Hours()/24), status, since.UTC().Format(time.DateOnly)))
		}
	}
	for _, csr := range s.CertificateSigningRequests {
		if !cpCSRApproved(csr) || cpCSRExpected(csr, env.Params.ControlPlane.CSRApprovals) {
			continue
		}
		msg := fmt.Sprintf("approved for signer %s, requested by %q", csr.Spec.SignerName, csr.Spec.Username)
		if len(csr.Spec.Groups) > 0 {
			msg += " (groups " + strings.Join(csr.Spec.Groups, ", ") + ")"
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "CertificateSigningRequest", Name: csr.Name},
			"%s, which no entry of ControlPlane.CSRApprovals expects", msg))
	}
	return out
}

func cpCSRApproved(csr *certificatesv1.CertificateSigningRequest) bool {
	approved := false
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
			if c.Status != corev1.ConditionFalse {
				return false
			}
		case certificatesv1.CertificateApproved:
			approved = c.Status != corev1.ConditionFalse
		}
	}
	return approved
}

func cpCSRExpected(csr *certificatesv1.CertificateSigningRequest, rules []check.CSRApproval) bool {
	for _, r := range rules {
		if glob.Match(r.Signer, csr.Spec.SignerName) && (len(r.Requesters) == 0 || glob.MatchAny(r.Requesters, csr.Spec.Username)) {
			return true
		}
	}
	return false
}
