// Package nodes holds the NODE- checks: node configuration, kubelets and node lifecycle.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package nodes
