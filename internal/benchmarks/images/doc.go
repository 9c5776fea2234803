// Package images holds the IMG- checks: images, registries and supply chain.
//
// It imports only package check and the shared helper packages, never another domain
// (TestDomainImports in the catalog root enforces this).
package images
