package nodes

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
)

// Kubelet certificate signers (NODE-011).
const (
	signerKubeletClient  = "kubernetes.io/kube-apiserver-client-kubelet"
	signerKubeletServing = "kubernetes.io/kubelet-serving"
)

func node011() check.Check {
	return check.Check{
		ID:       "NODE-011",
		Title:    "Kubelets rotate their client and serving certificates",
		Domain:   check.DomainNodes,
		Level:    check.L2,
		Severity: check.SeverityMedium,
		References: check.References{
			Standard: []string{"S6.6"}, NIST: []string{"4.3.5"}, CIS: []string{"4.2.11", "4.2.12"},
		},
		Rationale: "Without rotation a kubelet's client certificate expires (the node drops out) or is kept for " +
			"years, and its serving certificate is self-signed, so the API server cannot verify the kubelet. " +
			"Approved CSRs are garbage-collected after an hour, so their absence proves nothing, but denied, " +
			"failed or long-pending kubelet CSRs show that rotation is broken.",
		Remediation: "Set rotateCertificates: true and serverTLSBootstrap: true in the kubelet configuration and " +
			"run an approver for kubernetes.io/kubelet-serving CSRs (for example kubelet-csr-approver); resolve " +
			"denied or pending kubelet CSRs.",
		Evaluate: nodeKubeletRotation,
	}
}

func nodeKubeletRotation(s *check.Snapshot, env *check.Env) []check.Finding {
	csrs := nodeKubeletCSRs(s)
	return nodeKubelet(s, func(n *corev1.Node, cfg *check.KubeletConfig) []string {
		var problems []string
		// Both fields are omitted from /configz when false (omitempty in v1beta1).
		if cfg.RotateCertificates == nil || !*cfg.RotateCertificates {
			problems = append(problems, "kubelet does not renew its client certificate (rotateCertificates is false)")
		}
		if cfg.ServerTLSBootstrap == nil || !*cfg.ServerTLSBootstrap {
			problems = append(problems, "kubelet serves a self-signed certificate instead of requesting one (serverTLSBootstrap is false)")
		}
		for _, signer := range []string{signerKubeletClient, signerKubeletServing} {
			if p := nodeCSRProblem(s, env, csrs[n.Name][signer]); p != "" {
				problems = append(problems, p)
			}
		}
		return problems
	})
}

// nodeKubeletCSRs returns the newest kubelet CSR of each node and signer.
func nodeKubeletCSRs(s *check.Snapshot) map[string]map[string]*certificatesv1.CertificateSigningRequest {
	out := map[string]map[string]*certificatesv1.CertificateSigningRequest{}
	for _, csr := range s.CertificateSigningRequests {
		signer := csr.Spec.SignerName
		if signer != signerKubeletClient && signer != signerKubeletServing {
			continue
		}
		node := nodeCSRNode(csr)
		if node == "" {
			continue
		}
		if out[node] == nil {
			out[node] = map[string]*certificatesv1.CertificateSigningRequest{}
		}
		if old := out[node][signer]; old == nil || old.CreationTimestamp.Before(&csr.CreationTimestamp) {
			out[node][signer] = csr
		}
	}
	return out
}

// nodeCSRNode returns the node a kubelet CSR is for: the requester when a kubelet renews with
// its own identity, else the common name system:node:NAME of the request.
func nodeCSRNode(csr *certificatesv1.CertificateSigningRequest) string {
	if name, ok := strings.CutPrefix(csr.Spec.Username, "system:node:"); ok {
		return name
	}
	block, _ := pem.Decode(csr.Spec.Request)
	if block == nil {
		return ""
	}
	req, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return ""
	}
	name, _ := strings.CutPrefix(req.Subject.CommonName, "system:node:")
	if name == req.Subject.CommonName {
		return ""
	}
	return name
}

// nodeCSRProblem says what is wrong with a node's newest kubelet CSR: denied, failed, or
// pending longer than Nodes.CSRPendingMax.
func nodeCSRProblem(s *check.Snapshot, env *check.Env, csr *certificatesv1.CertificateSigningRequest) string {
	if csr == nil {
		return ""
	}
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateDenied, certificatesv1.CertificateFailed:
			return fmt.Sprintf("the kubelet's newest %s CSR %s was %s (%s)", csr.Spec.SignerName, csr.Name,
				strings.ToLower(string(c.Type)), check.Truncate(strings.TrimSpace(c.Reason+": "+c.Message), 120))
		case certificatesv1.CertificateApproved:
			return ""
		}
	}
	if age := env.Now.Sub(csr.CreationTimestamp.Time); age > env.Params.Nodes.CSRPendingMax {
		return fmt.Sprintf("the kubelet's newest %s CSR %s has been pending for %s: nothing approves it",
			csr.Spec.SignerName, csr.Name, check.ApproxDuration(age))
	}
	return ""
}
