// Package imageref parses container image references with the grammar of the container
// runtimes (github.com/distribution/reference) and names the forms a policy may match.
package imageref
