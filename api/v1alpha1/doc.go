// Package v1alpha1 contains the SecurityProfile API of the security.kubeposture.io group.
//
// A SecurityProfile declares the maturity level (L1, L2 or L3) a cluster is held to, which
// namespaces and checks are in scope, accepted exemptions and attestations, the thresholds the
// checks use, and whether the operator may remediate. Its status reports the last audit.
//
// +kubebuilder:object:generate=true
// +groupName=security.kubeposture.io
package v1alpha1
