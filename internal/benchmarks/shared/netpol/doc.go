// Package netpol holds NetworkPolicy semantics: which policies select a pod, what a default
// deny is, and the equivalent readings of Cilium and Calico policies.
package netpol
