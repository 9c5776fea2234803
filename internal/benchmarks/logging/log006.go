package logging

import (
	"strconv"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func log006() check.Check {
	return check.Check{
		ID:         "LOG-006",
		Title:      "Kubelets and control-plane components log at info verbosity (2 or less)",
		Domain:     check.DomainLogging,
		Level:      check.L1,
		Severity:   check.SeverityLow,
		References: check.References{Standard: []string{"S9.6"}},
		Rationale: "Debug verbosity floods the log store, hides real events and at high levels writes request " +
			"details, including tokens, to the logs. The kubelet part reads each node's configuration through the " +
			"node proxy; the control-plane part reads the mirror pods' --v and etcd's --log-level.",
		Remediation: "Set logging.verbosity to 2 or less in the kubelet configuration, --v to 2 or less on " +
			"kube-apiserver, kube-controller-manager and kube-scheduler, and etcd's --log-level to info or higher.",
		Evaluate: logVerbosity,
	}
}

func logVerbosity(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("component log levels are a fact of a live cluster")}
	}
	maxV := env.Params.Logging.MaxVerbosity
	var out []check.Finding
	for _, component := range cpflags.Components {
		for _, c := range cpflags.Of(s, component) {
			if f, bad := logComponentVerbosity(component, c, maxV); bad {
				out = append(out, f)
			}
		}
	}
	// Without the kubelet part a passing control plane proves only half the item: Skipped, never Pass.
	if s.KubeletConfigs == nil {
		return append(out, check.Skippedf("%s", s.KubeletOff("reading kubelet configuration is off: set spec.parameters.readKubeletConfig: true and grant "+
			"the operator the optional node-proxy role (config/components/node-proxy)")))
	}
	for _, n := range s.Nodes {
		ref := check.ObjectRef{Kind: "Node", Name: n.Name}
		res, ok := s.KubeletConfigs[n.Name]
		switch {
		case !ok:
			out = append(out, check.Errorf(ref, "the kubelet configuration of this node was not read"))
		case res.Err != "":
			out = append(out, check.Errorf(ref, "reading the kubelet configuration failed: %s", res.Err))
		case res.Config != nil && res.Config.Logging.Verbosity != nil && int(*res.Config.Logging.Verbosity) > maxV:
			out = append(out, check.Failf(ref, "kubelet logging.verbosity is %d; want at most %d", *res.Config.Logging.Verbosity, maxV))
		}
	}
	return out
}

// logComponentVerbosity judges one control-plane pod's log level: klog's --v for the Kubernetes
// components, --log-level for etcd.
func logComponentVerbosity(component string, c cpflags.Component, maxV int) (check.Finding, bool) {
	if component == "etcd" {
		if level := c.Flags["log-level"]; level == "debug" {
			return check.Failf(c.Ref, "etcd --log-level=debug; want info or higher"), true
		}
		return check.Finding{}, false
	}
	raw, ok := c.Flags["v"]
	if !ok {
		return check.Finding{}, false
	}
	v, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return check.Errorf(c.Ref, "%s --v=%q is not a number", component, raw), true
	case v > maxV:
		return check.Failf(c.Ref, "%s --v=%d logs at debug verbosity; want at most %d", component, v, maxV), true
	}
	return check.Finding{}, false
}
