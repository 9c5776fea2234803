// Package check holds the types every check of the catalog is written in: the check itself
// with its metadata, findings, the Snapshot of cluster state a check reads, the parameters of
// the profile, and the helpers for walking workloads. The domain packages of the catalog
// import it; it imports no domain.
package check
