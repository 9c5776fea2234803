// Package chart holds the tests of the Helm chart charts/kubeposture: it lints and renders the
// chart with the Helm SDK, applies each rendering to a real API server, checks the operator's
// permissions against its own audit and the chart against its own L3 scan.
package chart
