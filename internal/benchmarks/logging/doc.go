// Package logging holds the LOG- checks: audit logging and monitoring.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package logging
