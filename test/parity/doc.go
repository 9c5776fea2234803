// Package parity holds the live-path parity test: every pass_ and fail_ fixture of the check
// catalog is applied to a real API server the way users apply manifests (client-side apply with
// kubectl's last-applied annotation, and server-side apply), read back through the operator's
// cache and gatherer, and must give the verdict the offline fixture runner gives. Status that
// only a kubelet or a controller writes is written through the status subresource.
package parity
