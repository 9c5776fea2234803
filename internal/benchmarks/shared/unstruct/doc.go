// Package unstruct reads objects of optional kinds (Velero, cert-manager, Kyverno, Gatekeeper,
// scanner reports…), which the snapshot holds as unstructured objects.
package unstruct
