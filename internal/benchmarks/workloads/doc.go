// Package workloads holds the WKL- checks: pod security, workload lifecycle and the remaining Pod Security controls.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package workloads
