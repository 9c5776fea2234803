// Package rbac holds the RBAC- checks: roles, bindings and service-account access.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package rbac
