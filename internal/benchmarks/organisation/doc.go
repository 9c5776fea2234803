// Package organisation holds the organisational items of the standard, Manual until attested.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package organisation
