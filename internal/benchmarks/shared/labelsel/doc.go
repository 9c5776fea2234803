// Package labelsel applies Kubernetes label selectors with one nil semantics, the API
// server's: a nil selector selects nothing. Callers for which an absent selector means every
// object say so with OrEverything.
package labelsel
