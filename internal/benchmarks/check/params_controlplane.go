package check

import (
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
)

// ControlPlaneParams are the parameters of the CP- checks.
type ControlPlaneParams struct {
	// StrictQuorum reads S4.2's "至少大于3" literally (CP-001): control-plane nodes and etcd
	// members must be odd and at least 5, instead of odd and at least 3.
	StrictQuorum bool
	// MinZones is how many distinct topology.kubernetes.io/zone values the control-plane nodes
	// must span (CP-002). S4.3 asks for several; 3 lets etcd keep its quorum when a zone is lost.
	MinZones int
	// TaintKeys are the taint keys (NoSchedule or NoExecute) that keep workloads off a
	// control-plane node (CP-003).
	TaintKeys []string
	// DeschedulerNames are globs matched against the name, app labels and container image names
	// of Deployments and CronJobs to find a descheduler (CP-006).
	DeschedulerNames []string
	// NotReadyNodeMaxAge is how long a node may stay NotReady before CP-008 asks for its removal.
	NotReadyNodeMaxAge time.Duration
	// CSRApprovals are the kinds of CertificateSigningRequest that are expected to be approved
	// (CP-008); any other approved request is reported.
	CSRApprovals []CSRApproval
	// NewestMinor is the newest Kubernetes 1.x minor release; CP-009 accepts it and the two
	// before it, upstream's support window. Raise it when a new minor is released.
	NewestMinor int
	// MinimumVersion is the organisation's floor for the API server version, such as "v1.36.4"
	// (CP-009); empty accepts every release in the support window.
	MinimumVersion string
}

// CSRApproval is a kind of CertificateSigningRequest that is expected to be approved (CP-008).
type CSRApproval struct {
	// Signer is a signerName, or a glob of one.
	Signer string
	// Requesters are globs of the requesting user name; empty accepts any requester.
	Requesters []string
}

func defaultControlPlaneParams() ControlPlaneParams {
	return ControlPlaneParams{
		MinZones: 2,
		TaintKeys: []string{
			"node-role.kubernetes.io/control-plane",
			"node-role.kubernetes.io/master",
			"CriticalAddonsOnly", // k3s and RKE2 servers
		},
		DeschedulerNames:   []string{"descheduler", "*-descheduler", "descheduler-*"},
		NotReadyNodeMaxAge: 7 * 24 * time.Hour,
		CSRApprovals: []CSRApproval{
			// Node client certificates: the bootstrap request and the kubelet's own rotations.
			{Signer: certificatesv1.KubeAPIServerClientKubeletSignerName, Requesters: []string{"system:node:*", "system:bootstrap:*"}},
			{Signer: certificatesv1.KubeletServingSignerName, Requesters: []string{"system:node:*"}},
		},
		NewestMinor: 37,
	}
}
