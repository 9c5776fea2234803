// Package test holds the project's end-to-end material: the envtest harness (test/envtest),
// integration tests against a real kube-apiserver (test/integration) and the benchmark
// (test/bench).
package test
