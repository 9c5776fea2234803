package v1alpha1

// Condition types written to SecurityProfile.status.conditions.
const (
	// ConditionReady is True when the last audit completed.
	ConditionReady = "Ready"
	// ConditionCompliant is True when the target level is achieved.
	ConditionCompliant = "Compliant"
	// ConditionNodesCompliant summarises the NODE- checks.
	ConditionNodesCompliant = "NodesCompliant"
	// ConditionRBACCompliant summarises the RBAC- checks.
	ConditionRBACCompliant = "RBACCompliant"
	// ConditionNetworkPoliciesCompliant summarises the NET- checks.
	ConditionNetworkPoliciesCompliant = "NetworkPoliciesCompliant"
	// ConditionSecretsRotated summarises the SEC- checks.
	ConditionSecretsRotated = "SecretsRotated"
	// ConditionBackupsHealthy summarises the BAK- checks.
	ConditionBackupsHealthy = "BackupsHealthy"
	// ConditionWorkloadsCompliant summarises the WKL- checks.
	ConditionWorkloadsCompliant = "WorkloadsCompliant"
	// ConditionImagesCompliant summarises the IMG- checks.
	ConditionImagesCompliant = "ImagesCompliant"
	// ConditionControlPlaneCompliant summarises the CP- checks.
	ConditionControlPlaneCompliant = "ControlPlaneCompliant"
	// ConditionLoggingCompliant summarises the LOG- checks.
	ConditionLoggingCompliant = "LoggingCompliant"
	// ConditionRemediated reports remediation when it is not Disabled.
	ConditionRemediated = "Remediated"
	// ConditionStalled is True, with reason InvalidSpec, while the spec cannot be used: the
	// operator makes no progress until the spec changes (kstatus reads it as Failed).
	ConditionStalled = "Stalled"
)

// Condition reasons.
const (
	// ReasonAuditSucceeded means the last audit evaluated every selected check.
	ReasonAuditSucceeded = "AuditSucceeded"
	// ReasonAuditFailed means the last audit could not complete.
	ReasonAuditFailed = "AuditFailed"
	// ReasonInvalidSpec means the spec passed admission but cannot be used as written.
	ReasonInvalidSpec = "InvalidSpec"
	// ReasonLevelAchieved means every applicable check of the target level passes.
	ReasonLevelAchieved = "LevelAchieved"
	// ReasonLevelNotAchieved means at least one applicable check of the target level does not pass.
	ReasonLevelNotAchieved = "LevelNotAchieved"
	// ReasonNoChecks means no implemented check applies, so compliance cannot be judged.
	ReasonNoChecks = "NoChecks"
	// ReasonChecksPassed means every applicable check of a domain passes.
	ReasonChecksPassed = "ChecksPassed"
	// ReasonChecksFailed means at least one check of a domain fails.
	ReasonChecksFailed = "ChecksFailed"
	// ReasonChecksErrored means at least one check of a domain could not be evaluated.
	ReasonChecksErrored = "ChecksErrored"
	// ReasonChecksPending means a domain has checks awaiting attestation or node access.
	ReasonChecksPending = "ChecksPending"
	// ReasonNotImplemented means the operator has no checks for a domain yet.
	ReasonNotImplemented = "NotImplemented"
	// ReasonRemediated means every enabled remediation action is in place.
	ReasonRemediated = "Remediated"
	// ReasonDryRun means remediation computed its changes and made none.
	ReasonDryRun = "DryRun"
	// ReasonConflict means a change was not made because another field manager owns the field.
	ReasonConflict = "Conflict"
	// ReasonBlocked means a change was held back because it would break running workloads.
	ReasonBlocked = "Blocked"
	// ReasonRemediationFailed means the API server refused a change.
	ReasonRemediationFailed = "RemediationFailed"
	// ReasonRevertBlocked means a deleted profile's changes cannot be reverted (the message
	// names what the API server refused, often a missing permission), so its finalizer stays.
	ReasonRevertBlocked = "RevertBlocked"
	// ReasonFinalizerReleased means a person released a deleted profile's finalizer through the
	// release-finalizer annotation, leaving its changes in place.
	ReasonFinalizerReleased = "FinalizerReleased"
	// ReasonPreventionEnforced, an Event reason, means a check's admission policy now denies:
	// immediately, or once a staged rollout's audit found no in-scope object violating it.
	ReasonPreventionEnforced = "PreventionEnforced"
	// ReasonPreventionHeld, an Event reason, means a check's admission policy went back from Deny
	// to Audit because the audit finds in-scope objects violating it again.
	ReasonPreventionHeld = "PreventionHeld"
	// ReasonNoApplicableChecks means the domain's checks are all excluded, exempted or not applicable.
	ReasonNoApplicableChecks = "NoApplicableChecks"
)
