// Package controllers holds the SecurityProfile reconciler: on every relevant change, and at
// each profile's audit interval, it gathers a snapshot (internal/gather), evaluates the check
// catalog with the profile's options (internal/options), optionally remediates
// (internal/remediation) and prevents (generated admission policies), and writes the result to
// the profile's status in one apply, with Events on condition transitions and Prometheus
// metrics.
package controllers
