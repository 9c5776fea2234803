// Package secrets holds the SEC- checks: Secrets, certificates and rotation.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package secrets
