// Package network holds the NET- checks: NetworkPolicy isolation, exposure and encryption in transit.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package network
