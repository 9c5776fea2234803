package benchmarks

import (
	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/facts"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/netpol"
	"github.com/kubeposture/kubeposture/internal/benchmarks/workloads"
)

// The catalog's types live in package check, which the domain packages import; these aliases
// let the operator, the CLI and the tests name them through the catalog's root package.

type (
	Check               = check.Check
	Domain              = check.Domain
	Env                 = check.Env
	Finding             = check.Finding
	HostPathAllowance   = check.HostPathAllowance
	KubeletConfigResult = check.KubeletConfigResult
	Level               = check.Level
	ObjectRef           = check.ObjectRef
	Params              = check.Params
	Result              = check.Result
	Scope               = check.Scope
	Severity            = check.Severity
	Snapshot            = check.Snapshot
	Source              = check.Source
	WorkloadParams      = check.WorkloadParams
)

const (
	DomainBackups      = check.DomainBackups
	DomainControlPlane = check.DomainControlPlane
	DomainImages       = check.DomainImages
	DomainLogging      = check.DomainLogging
	DomainNetwork      = check.DomainNetwork
	DomainNodes        = check.DomainNodes
	DomainOrganisation = check.DomainOrganisation
	DomainRBAC         = check.DomainRBAC
	DomainSecrets      = check.DomainSecrets
	DomainWorkloads    = check.DomainWorkloads
	Error              = check.Error
	Exempted           = check.Exempted
	FactsAnnotation    = facts.FactsAnnotation
	Fail               = check.Fail
	L1                 = check.L1
	L2                 = check.L2
	L3                 = check.L3
	LabelQuarantine    = check.LabelQuarantine
	Manual             = check.Manual
	NotApplicable      = check.NotApplicable
	Pass               = check.Pass
	SealAnnotation     = facts.SealAnnotation
	SeverityCritical   = check.SeverityCritical
	SeverityHigh       = check.SeverityHigh
	SeverityLow        = check.SeverityLow
	SeverityMedium     = check.SeverityMedium
	Skipped            = check.Skipped
	SourceCluster      = check.SourceCluster
	SourceManifests    = check.SourceManifests
)

var (
	Domains = check.Domains
)

var (
	DefaultParams             = check.DefaultParams
	DeriveConfigMapFacts      = facts.DeriveConfigMapFacts
	DeriveSecretFacts         = facts.DeriveSecretFacts
	DeriveSecretMetadataFacts = facts.DeriveSecretMetadataFacts
	Errorf                    = check.Errorf
	Facts                     = facts.Facts
	Failf                     = check.Failf
	Manualf                   = check.Manualf
	NewScope                  = check.NewScope
	ParseConfigz              = check.ParseConfigz
	ParseLevel                = check.ParseLevel
	StripUnread               = facts.StripUnread
	Truncate                  = check.Truncate
)

// IsDefaultDeny reports whether the policy denies all traffic of type t for every pod of its
// namespace (see netpol.IsDefaultDeny).
var IsDefaultDeny = netpol.IsDefaultDeny

// PSADedicatedCheck returns the catalog check that judges a Pod Security control on its own,
// when there is one (see workloads.PSADedicatedCheck).
var PSADedicatedCheck = workloads.PSADedicatedCheck
