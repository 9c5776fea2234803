// Package facts derives what the checks may know about Secret and ConfigMap content (types,
// Key names, certificate validity, whether a value looks like a credential) and records it in
// an annotation, so the values themselves never stay in memory.
package facts
