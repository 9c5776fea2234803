package controllers

import "github.com/kubeposture/kubeposture/internal/remediation"

// The names remediation marks what it owns with, as the reconciler, prevention and the tests
// use them; internal/remediation defines them.
const (
	FieldManager               = remediation.FieldManager
	LabelManagedBy             = remediation.LabelManagedBy
	AnnotationProfiles         = remediation.AnnotationProfiles
	AnnotationManagedLabels    = remediation.AnnotationManagedLabels
	AnnotationManagedFields    = remediation.AnnotationManagedFields
	AnnotationReviewRequired   = remediation.AnnotationReviewRequired
	FinalizerRemediation       = remediation.FinalizerRemediation
	AnnotationReleaseFinalizer = remediation.AnnotationReleaseFinalizer
)

// remediationOutcome is what a remediation pass reports.
type remediationOutcome = remediation.Outcome
