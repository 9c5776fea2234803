package controllers

import (
	"context"

	logf "sigs.k8s.io/controller-runtime/pkg/log"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
	"github.com/kubeposture/kubeposture/internal/benchmarks"
)

// publishReports writes the audit as OpenReports when the operator runs with reports enabled
// and the openreports.io kinds are served. A failure to write them does not fail the audit: it
// becomes a status warning, and the next audit tries again.
func (r *SecurityProfileReconciler) publishReports(ctx context.Context, p *securityv1alpha1.SecurityProfile, rep *benchmarks.Report) {
	if r.Reporter == nil {
		return
	}
	served, err := r.Reporter.Write(ctx, p.Name, ownerOf(p), rep, r.Clock.Now())
	if err != nil {
		logf.FromContext(ctx).Info("Could not write the OpenReports of a SecurityProfile", "securityProfile", p.Name, "error", err.Error())
		w := benchmarks.Truncate("OpenReports were not written: "+err.Error(), 1024)
		if len(p.Status.Warnings) >= maxWarnings {
			// status.warnings holds at most maxWarnings: this one takes the last place.
			p.Status.Warnings = p.Status.Warnings[:maxWarnings-1]
		}
		p.Status.Warnings = append(p.Status.Warnings, w)
		return
	}
	if !served {
		logf.FromContext(ctx).V(1).Info("OpenReports are enabled but the openreports.io kinds are not served; none written", "securityProfile", p.Name)
	}
}
