package check

import (
	"fmt"
	"strings"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

// Level is a maturity level: 1 (basic), 2 (standard) or 3 (advanced). Levels are cumulative.
type Level int

// The three levels of the standard.
const (
	L1 Level = 1
	L2 Level = 2
	L3 Level = 3
)

// String returns "L1", "L2" or "L3".
func (l Level) String() string { return fmt.Sprintf("L%d", int(l)) }

// ParseLevel reads "L1", "L2" or "L3".
func ParseLevel(s string) (Level, error) {
	switch strings.ToUpper(s) {
	case "L1":
		return L1, nil
	case "L2":
		return L2, nil
	case "L3":
		return L3, nil
	}
	return 0, fmt.Errorf("unknown level %q: want L1, L2 or L3", s)
}

// Domain groups checks; each domain has its own status condition.
type Domain string

// The domains of the catalog, each with its ID prefix.
const (
	DomainNodes        Domain = "Nodes"        // NODE-
	DomainRBAC         Domain = "RBAC"         // RBAC-
	DomainNetwork      Domain = "Network"      // NET-
	DomainSecrets      Domain = "Secrets"      // SEC-
	DomainBackups      Domain = "Backups"      // BAK-
	DomainWorkloads    Domain = "Workloads"    // WKL-
	DomainImages       Domain = "Images"       // IMG-
	DomainLogging      Domain = "Logging"      // LOG-
	DomainControlPlane Domain = "ControlPlane" // CP-
)

// Domains lists every domain in display order.
var Domains = []Domain{
	DomainWorkloads, DomainRBAC, DomainNetwork, DomainNodes, DomainControlPlane,
	DomainSecrets, DomainBackups, DomainImages, DomainLogging, DomainOrganisation,
}

// IDPrefix returns the check-ID prefix of the domain, such as "WKL".
func (d Domain) IDPrefix() string {
	switch d {
	case DomainNodes:
		return "NODE"
	case DomainRBAC:
		return "RBAC"
	case DomainNetwork:
		return "NET"
	case DomainSecrets:
		return "SEC"
	case DomainBackups:
		return "BAK"
	case DomainWorkloads:
		return "WKL"
	case DomainImages:
		return "IMG"
	case DomainLogging:
		return "LOG"
	case DomainControlPlane:
		return "CP"
	case DomainOrganisation:
		return "S"
	}
	return ""
}

// Severity is how much a failure of the check matters.
type Severity string

// Severities, from least to most serious.
const (
	SeverityLow      Severity = "Low"
	SeverityMedium   Severity = "Medium"
	SeverityHigh     Severity = "High"
	SeverityCritical Severity = "Critical"
)

// Weight is the severity's weight in the score.
func (s Severity) Weight() int {
	switch s {
	case SeverityCritical:
		return 5
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// Result is the outcome of a finding or of a whole check.
type Result string

// Results. Only Pass and Exempted count as met; Error is never a pass.
const (
	Pass          Result = "Pass"
	Fail          Result = "Fail"
	Error         Result = "Error"
	NotApplicable Result = "NotApplicable"
	Manual        Result = "Manual"
	Skipped       Result = "Skipped"
	Exempted      Result = "Exempted"
)

// rank orders results for aggregation: the highest-ranked finding decides a check's result.
func (r Result) Rank() int {
	switch r {
	case Error:
		return 6
	case Fail:
		return 5
	case Manual:
		return 4
	case Skipped:
		return 3
	case Exempted:
		return 2
	case Pass:
		return 1
	}
	return 0 // NotApplicable
}

// Blocks reports whether the result keeps a level from being achieved.
func (r Result) Blocks() bool { return r == Fail || r == Error || r == Manual }

// References ties a check to the standard and related documents.
type References struct {
	// Standard lists items of the maturity standard, such as "S3.5".
	Standard []string
	// NIST lists NIST SP 800-190 sections, such as "4.4.3".
	NIST []string
	// MLPS lists clauses of the MLPS container-security requirements, such as "G4f".
	MLPS []string
	// CIS lists CIS Kubernetes Benchmark recommendations, such as "5.2.2".
	CIS []string
}

// String lists the references by source, such as "standard S3.5; NIST SP 800-190 4.4.3; CIS 5.2.2".
func (r References) String() string {
	var parts []string
	add := func(label string, items []string) {
		if len(items) > 0 {
			parts = append(parts, label+" "+strings.Join(items, ", "))
		}
	}
	add("standard", r.Standard)
	add("NIST SP 800-190", r.NIST)
	add("MLPS", r.MLPS)
	add("CIS", r.CIS)
	return strings.Join(parts, "; ")
}

// Check is one automated check of the catalog.
type Check struct {
	// ID is stable and never reused, such as "WKL-001".
	ID string
	// Title is a short statement of what must hold.
	Title string
	// Domain groups the check.
	Domain Domain
	// Level is the lowest level at which the check applies.
	Level Level
	// Severity is how much a failure matters.
	Severity Severity
	// References ties the check to the standard.
	References References
	// Rationale explains why the check matters.
	Rationale string
	// Scope says, for a check whose coverage differs from the CIS Kubernetes Benchmark
	// recommendation or Pod Security control it implements, what it covers and why; empty when
	// it matches them.
	Scope string
	// Remediation tells a person how to fix a failure.
	Remediation string
	// AutoRemediation is the operator's remediation action that can fix a failure, if any.
	AutoRemediation securityv1alpha1.RemediationAction
	// AutoRemediationNote says how the action applies to this check, such as "(warn/audit
	// restricted)"; empty when the action's name says it all.
	AutoRemediationNote string
	// Reads lists the optional kinds (GroupKinds such as "Schedule.velero.io", or "*.group" for
	// every kind of a group) the check reads from Snapshot.Extra. The operator watches the
	// union of them (OptionalKinds in the catalog root); TestChecksDeclareOptionalKinds fails
	// when a check reads a kind it does not declare.
	Reads []string
	// LevelDependent marks checks whose criterion grows stricter with the target level
	// (Env.Level); they are evaluated once per level when computing the achieved level.
	LevelDependent bool
	// Evaluate inspects the snapshot, the cluster's state, as env asks (time, level, parameters
	// and scope) and returns findings. No findings means Pass. A finding is about one object
	// where it can be; Evaluate must modify neither the snapshot nor env
	// (TestChecksDoNotModifySnapshot evaluates every check on every fixture and compares).
	Evaluate func(s *Snapshot, env *Env) []Finding
}

// ObjectRef names the object a finding is about.
type ObjectRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

// String renders the reference as Kind/namespace/name or Kind/name.
func (o ObjectRef) String() string {
	if o.Namespace == "" {
		return o.Kind + "/" + o.Name
	}
	return o.Kind + "/" + o.Namespace + "/" + o.Name
}

// Finding is one observation of a check, usually about one object.
type Finding struct {
	Result  Result    `json:"result"`
	Object  ObjectRef `json:"object"`
	Message string    `json:"message"`
}

// Failf returns a Fail finding about obj.
func Failf(obj ObjectRef, format string, args ...any) Finding {
	return Finding{Result: Fail, Object: obj, Message: fmt.Sprintf(format, args...)}
}

// Errorf returns an Error finding about obj: the check could not decide.
func Errorf(obj ObjectRef, format string, args ...any) Finding {
	return Finding{Result: Error, Object: obj, Message: fmt.Sprintf(format, args...)}
}

// NotApplicablef returns a finding saying the check has nothing to inspect.
func NotApplicablef(format string, args ...any) Finding {
	return Finding{Result: NotApplicable, Message: fmt.Sprintf(format, args...)}
}

// Manualf returns a finding saying a person must verify the item.
func Manualf(format string, args ...any) Finding {
	return Finding{Result: Manual, Message: fmt.Sprintf(format, args...)}
}

// Skippedf returns a finding saying the check needs access the profile does not grant.
func Skippedf(format string, args ...any) Finding {
	return Finding{Result: Skipped, Message: fmt.Sprintf(format, args...)}
}

// AutoRemediationText describes the automated remediation for a person, such as
// "PodSecurityLabels (warn/audit restricted)"; empty when the check has none.
func (c *Check) AutoRemediationText() string {
	if c.AutoRemediation == "" {
		return ""
	}
	if c.AutoRemediationNote == "" {
		return string(c.AutoRemediation)
	}
	return string(c.AutoRemediation) + " " + c.AutoRemediationNote
}
