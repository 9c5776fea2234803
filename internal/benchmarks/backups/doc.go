// Package backups holds the BAK- checks: backups and disaster recovery.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package backups
