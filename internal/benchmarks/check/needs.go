package check

import "slices"

// Needs declares what a check needs beyond the objects every snapshot holds. The evaluator
// decides the preconditions from it once, before the check runs (Check.Run), so no check
// writes them by hand; TestChecksDeclareNeeds fails when a check reads Secrets or kubelet
// configurations it does not declare.
type Needs struct {
	// Cluster, when set, says why the check needs a live cluster: in a manifest scan the check
	// is NotApplicable with this message and is not evaluated.
	Cluster string
	// Secrets says how the check depends on Secrets, which are gathered only with the
	// secrets-reader role.
	Secrets Need
	// Kubelet says how the check depends on the nodes' kubelet configurations, which are read
	// only when the profile allows it and the operator holds the node-proxy role.
	Kubelet Need
}

// Need says how a check depends on data the gatherer may not have read.
type Need int

const (
	// NeedNone: the check does not read the data.
	NeedNone Need = iota
	// Required: without the data the check judges nothing. When it was not read the check is
	// Skipped, naming the missing permission or setting, and is not evaluated.
	Required
	// Partial: the check judges what it can without the data. When the data was not read on a
	// live cluster the evaluator adds the Skipped finding to the check's own and drops their
	// NotApplicable ones: that nothing is in scope cannot be told without the data.
	Partial
	// Optional: the check reads the data where it was gathered and judges without it otherwise,
	// with no finding of its own about the gap.
	Optional
)

// KubeletConfigOff is the Skipped message of a check that needs kubelet configurations when
// reading them is off.
const KubeletConfigOff = "reading kubelet configuration is off: set spec.parameters.readKubeletConfig: true and grant " +
	"the operator the optional node-proxy role (config/components/node-proxy)"

// Run evaluates c on s in env under the preconditions its Needs declare: a check that cannot
// judge (a manifest scan for a cluster check, unread Secrets or kubelet configurations it
// requires) gets the finding that says why, without being evaluated.
func (c *Check) Run(s *Snapshot, env *Env) []Finding {
	if c.Needs.Cluster != "" && s.Source == SourceManifests {
		return []Finding{NotApplicablef("%s", c.Needs.Cluster)}
	}
	var gaps []Finding
	if f, unread := secretsGap(s); unread {
		switch c.Needs.Secrets {
		case Required:
			return []Finding{f}
		case Partial:
			if f.Result == Skipped {
				gaps = append(gaps, f)
			}
		}
	}
	switch c.Needs.Kubelet {
	case Required:
		if len(s.Nodes) == 0 {
			return []Finding{NotApplicablef("the snapshot has no Node objects")}
		}
		if s.KubeletConfigs == nil {
			return []Finding{Skippedf("%s", s.KubeletOff(KubeletConfigOff))}
		}
	case Partial:
		if s.KubeletConfigs == nil && s.Source != SourceManifests {
			gaps = append(gaps, Skippedf("%s", s.KubeletOff(KubeletConfigOff)))
		}
	}
	findings := c.Evaluate(s, env)
	if len(gaps) == 0 {
		return findings
	}
	findings = slices.DeleteFunc(slices.Clone(findings), func(f Finding) bool { return f.Result == NotApplicable })
	return append(findings, gaps...)
}

// secretsGap returns the finding of a check that needs Secrets when they were not gathered:
// Skipped naming the missing permission on a live cluster; NotApplicable in a manifest scan,
// which simply holds none.
func secretsGap(s *Snapshot) (Finding, bool) {
	switch {
	case s.SecretsRead:
		return Finding{}, false
	case s.SecretsUnread != "":
		return Skippedf("Secrets cannot be read: %s", s.SecretsUnread), true
	case s.Source == SourceManifests:
		return NotApplicablef("the manifests hold no Secrets"), true
	}
	return Skippedf("Secrets were not read: enable with the operator's --read-secrets flag and the secrets-reader role"), true
}
