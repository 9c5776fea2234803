package v1alpha1

// PreventionMode is what the generated ValidatingAdmissionPolicies do with a violating object.
// +kubebuilder:validation:Enum=Disabled;Warn;Audit;Deny
type PreventionMode string

// Prevention modes.
const (
	// PreventionDisabled generates no admission policy.
	PreventionDisabled PreventionMode = "Disabled"
	// PreventionWarn admits violating objects and returns a warning to the client.
	PreventionWarn PreventionMode = "Warn"
	// PreventionAudit admits violating objects, warns and records the violation in the API
	// server's audit log.
	PreventionAudit PreventionMode = "Audit"
	// PreventionDeny rejects violating objects (and still warns and audits).
	PreventionDeny PreventionMode = "Deny"
)

// PreventionRollout says how the operator reaches Deny.
// +kubebuilder:validation:Enum=Staged;Immediate
type PreventionRollout string

// Prevention rollouts.
const (
	// RolloutStaged applies Warn and Audit first and Deny for a check only once the audit
	// finds no in-scope object violating it.
	RolloutStaged PreventionRollout = "Staged"
	// RolloutImmediate applies the requested mode at once.
	RolloutImmediate PreventionRollout = "Immediate"
)

// Prevention says whether the operator generates ValidatingAdmissionPolicies that stop new
// violations of the profile's workload checks at admission.
// +kubebuilder:validation:XValidation:rule="self.mode != 'Disabled' || !has(self.checks) || size(self.checks) == 0",message="prevention.checks has no effect while prevention.mode is Disabled; set mode to Warn, Audit or Deny"
type Prevention struct {
	// mode is Disabled (the default: no admission policy), Warn, Audit or Deny.
	// +optional
	// +kubebuilder:default=Disabled
	Mode PreventionMode `json:"mode,omitempty"`

	// checks limits prevention to these checks and domains, such as WKL-001 or Images. Empty
	// means every selected check that has an admission policy. A check without one is
	// reported in the profile's warnings.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:XValidation:rule="self.matches('^((WKL|IMG)-[0-9]{3}|Workloads|Images)$')",message="prevention.checks may name only workload and image checks (WKL-001, IMG-003) or the Workloads and Images domains: admission policies judge pods and their controllers"
	Checks []CheckSelector `json:"checks,omitempty"`

	// rollout is Staged (the default: Warn and Audit first, Deny for a check once the audit
	// finds no in-scope object violating it) or Immediate.
	// +optional
	// +kubebuilder:default=Staged
	Rollout PreventionRollout `json:"rollout,omitempty"`
}

// PreventionState is the mode a generated policy's binding currently has.
// +kubebuilder:validation:Enum=Warn;Audit;Deny;Conflict;Failed
type PreventionState string

// Prevention states of one check.
const (
	// PreventionStateWarn: the binding warns.
	PreventionStateWarn PreventionState = "Warn"
	// PreventionStateAudit: the binding warns and audits.
	PreventionStateAudit PreventionState = "Audit"
	// PreventionStateDeny: the binding rejects violating objects.
	PreventionStateDeny PreventionState = "Deny"
	// PreventionStateConflict: another field manager owns the policy or its binding.
	PreventionStateConflict PreventionState = "Conflict"
	// PreventionStateFailed: the API server refused the policy or its binding.
	PreventionStateFailed PreventionState = "Failed"
)

// PreventionStatus reports the generated admission policies.
type PreventionStatus struct {
	// policies counts the generated policies in place.
	Policies int32 `json:"policies"`
	// deny counts the checks whose policy rejects violating objects.
	Deny int32 `json:"deny"`
	// held counts the checks a staged rollout holds below Deny because objects violate them.
	Held int32 `json:"held"`
	// checks has one entry per prevented check.
	// +optional
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MaxItems=64
	Checks []PreventionCheckStatus `json:"checks,omitempty"`
}

// PreventionCheckStatus is the admission policy of one check.
type PreventionCheckStatus struct {
	// id is the check ID, such as WKL-001.
	ID string `json:"id"`
	// policy is the name of the ValidatingAdmissionPolicy.
	Policy string `json:"policy"`
	// state is the binding's mode (Warn, Audit, Deny), or Conflict or Failed.
	State PreventionState `json:"state"`
	// typeChecked is true when the API server has type-checked the policy without warnings
	// (its status.typeChecking), false when it reported warnings, and absent until it has.
	// +optional
	TypeChecked *bool `json:"typeChecked,omitempty"`
	// message explains the state: why a staged check is held below Deny, the type-checking
	// warnings, or the API server's error.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
	// violating are at most five in-scope objects that hold a staged check below Deny.
	// +optional
	// +kubebuilder:validation:MaxItems=5
	Violating []ObjectReference `json:"violating,omitempty"`
}
