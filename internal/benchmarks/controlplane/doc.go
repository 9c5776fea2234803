// Package controlplane holds the CP- checks: the control plane's components and their flags.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package controlplane
