// Package facts derives what the checks may know about Secret and ConfigMap content (types,
// key names, certificate validity, whether a value looks like a credential) and records it in
// an annotation, so the values themselves never stay in memory.
package facts
