// Package e2e is the fault suite: the operator runs as its own process with a token of its
// ServiceAccount and only the roles shipped in config/ (built with kustomize), against the local
// control plane, while the tests restart the API server, kill the operator, edit its objects by
// hand, remove optional roles and run two replicas. The API server's audit log records every
// request the operator sends and which role allowed it, which the permission test checks
// against the README's permission table.
package e2e
