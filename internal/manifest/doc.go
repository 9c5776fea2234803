// Package manifest reads Kubernetes manifests (multi-document YAML or JSON files) into typed
// objects, reporting the file and line of anything it cannot read.
package manifest
