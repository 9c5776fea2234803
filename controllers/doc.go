// Package controllers holds the SecurityProfile controller: on every relevant change, and at
// each profile's audit interval, it gathers a snapshot from the informer cache, evaluates the
// check catalog, optionally remediates, and writes the result to the profile's status in one
// patch, with Events on condition transitions and Prometheus metrics.
package controllers
