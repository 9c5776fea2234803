// Package cpflags finds the static pods of a self-managed control plane (kube-apiserver, etcd,
// kube-controller-manager, kube-scheduler) and reads their command-line flags.
package cpflags
