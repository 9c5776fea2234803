// Package admission reads admission policies: which Kyverno rules, Gatekeeper constraints and
// ValidatingAdmissionPolicies apply to pods, and whether a webhook fails closed.
package admission
