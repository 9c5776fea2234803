// Package openreports publishes a SecurityProfile's audit as OpenReports (openreports.io/v1alpha1),
// the report format Policy Reporter and other dashboards read: one Report per namespace with
// failures, and one ClusterReport with the cluster-scoped failures and the audit's summary.
// Reports hold failures and counts only, are bounded, and are owned by their profile, so the
// garbage collector removes them with it.
package openreports
