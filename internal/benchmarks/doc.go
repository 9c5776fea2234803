// Package benchmarks is the check catalog: every automated check of the container-security
// maturity standard, as plain values with metadata and a pure Evaluate function.
//
// A check reads a Snapshot of the cluster's state, as the Env passed beside it asks (time, level,
// parameters, scope), and returns findings. It never takes a client and never reads the wall
// clock: the time is Env.Now. The same catalog serves the operator,
// the live CLI audit, offline manifest scans and the tests. Evaluate runs the selected checks,
// applies exemptions and attestations, and turns a panic or an error into the result Error,
// never into a Pass.
package benchmarks
