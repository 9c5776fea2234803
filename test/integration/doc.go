// Package integration tests the API against a real kube-apiserver: admission validation of
// SecurityProfiles and the samples shipped in config/samples.
package integration
