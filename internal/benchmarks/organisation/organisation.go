package organisation

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
)

// organisationalItem is one process requirement of the standard.
type organisationalItem struct {
	id, title, evidence string
	level               check.Level
}

// organisationalItems are the PROCESS items of the standard, with the lowest level that ticks them.
var organisationalItems = []organisationalItem{
	{"S1.1", "Developers, DevOps staff in particular, receive regular security training", "training records or the training plan", check.L1},
	{"S1.2", "Managers receive regular training on the project's security aspects", "training records for managers", check.L3},
	{"S1.3", "All processed data is classified under an internal classification standard", "the classification standard and its application (namespaces also carry a classification label, WKL-023)", check.L1},
	{"S1.4", "Every application documents its security requirements and how they are met", "the security requirements document of each application", check.L2},
	{"S1.5", "Known risks and vulnerabilities are removed promptly through a defined, centrally managed process", "the vulnerability-management process and its tracking", check.L2},
	{"S1.6", "Rules and responsibilities for the container infrastructure are defined, such as image admission", "the responsibility matrix and admission rules", check.L2},
	{"S2.1", "The container architecture and design, internal and external networks included, has been reviewed", "the architecture review record", check.L1},
	{"S2.2", "The infrastructure and its components (nodes, networks, containers) are documented", "the infrastructure documentation", check.L1},
	{"S3.8", "Images contain only the packages they need", "the image build standard and its review", check.L1},
	{"S3.11", "Dockerfiles use COPY rather than ADD unless the source is trusted", "a CI lint rule or build standard", check.L1},
	{"S10.1", "The orchestrator and registry are integrated into the existing infrastructure", "the integration design (identity, monitoring, backup)", check.L2},
	{"S10.2", "CI/CD automates changes, tests and deployment of nodes, images and networks", "the pipelines and GitOps configuration", check.L2},
	{"S11.3", "Upgrades and downgrades of the infrastructure and container engine are automated, documented and tested", "the upgrade runbook and the last test", check.L2},
}

// Checks returns the organisational items as checks that are always Manual; an
// attestation in the profile turns one into a pass until it expires.
func Checks() []check.Check {
	out := make([]check.Check, 0, len(organisationalItems))
	for _, it := range organisationalItems {
		out = append(out, check.Check{
			ID:          it.id,
			Title:       it.title,
			Domain:      check.DomainOrganisation,
			Level:       it.level,
			Severity:    check.SeverityMedium,
			References:  check.References{Standard: []string{it.id}},
			Rationale:   "An organisational requirement of the standard: no cluster object can show it, so a person attests it.",
			Remediation: fmt.Sprintf("Meet the requirement, then add an attestation to the profile: itemID %s, the owner, the evidence (%s) and an expiry date.", it.id, it.evidence),
			Evaluate: func(s *check.Snapshot, _ *check.Env) []check.Finding {
				if s.Source == check.SourceManifests {
					return []check.Finding{check.NotApplicablef("organisational items are attested in the cluster's SecurityProfile, not judged from manifests")}
				}
				return []check.Finding{check.Manualf("Organisational item: attest it in spec.attestations (itemID %s) with its evidence: %s.", it.id, it.evidence)}
			},
		})
	}
	return out
}
