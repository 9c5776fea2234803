package admission

import (
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/unstruct"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// FailClosed reports whether a webhook failure policy rejects requests when the webhook is down;
// an unset policy is Fail, the API default.
func FailClosed(fp *admissionregistrationv1.FailurePolicyType) bool {
	return fp == nil || *fp == admissionregistrationv1.Fail
}

// PodKinds are the kinds whose admission decides what pods run.
var PodKinds = map[string]bool{
	"*": true, "Pod": true, "Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"ReplicaSet": true, "Job": true, "CronJob": true,
}

// PodResources are PodKinds as API resources.
var PodResources = map[string]bool{
	"*": true, "*/*": true, "pods": true, "deployments": true, "statefulsets": true, "daemonsets": true,
	"replicasets": true, "jobs": true, "cronjobs": true,
}

// VAPCoversPods reports whether the ValidatingAdmissionPolicy matches creates or updates of pods
// or of the workload kinds that create them.
func VAPCoversPods(p *admissionregistrationv1.ValidatingAdmissionPolicy) bool {
	if p.Spec.MatchConstraints == nil {
		return false
	}
	for _, r := range p.Spec.MatchConstraints.ResourceRules {
		for _, res := range r.Resources {
			if PodResources[res] {
				return true
			}
		}
	}
	return false
}

// KyvernoRuleMatchesPods reports whether a rule's match block names pods or their controllers.
func KyvernoRuleMatchesPods(rule map[string]any) bool {
	var blocks []map[string]any
	if m, ok := rule["match"].(map[string]any); ok {
		blocks = append(blocks, m)
		for _, key := range []string{"any", "all"} {
			list, _, _ := unstructured.NestedSlice(m, key)
			for _, f := range list {
				blocks = append(blocks, unstruct.Map(f))
			}
		}
	}
	for _, b := range blocks {
		kinds, _, _ := unstructured.NestedStringSlice(b, "resources", "kinds")
		for _, k := range kinds {
			if PodKinds[k[strings.LastIndex(k, "/")+1:]] {
				return true
			}
		}
	}
	return false
}

// GatekeeperConstraintAppliesToPods reports whether a Gatekeeper constraint matches pods or the
// workload kinds that create them.
func GatekeeperConstraintAppliesToPods(c *unstructured.Unstructured) bool {
	matchKinds, found, _ := unstructured.NestedSlice(c.Object, "spec", "match", "kinds")
	if !found || len(matchKinds) == 0 {
		return true // no kinds: the constraint applies to everything its template sees
	}
	for _, mk := range matchKinds {
		kinds, _, _ := unstructured.NestedStringSlice(unstruct.Map(mk), "kinds")
		for _, k := range kinds {
			if PodKinds[k] {
				return true
			}
		}
	}
	return false
}

// GatekeeperScopedDeny reports whether a Gatekeeper constraint denies violations in every scope
// it matches.
func GatekeeperScopedDeny(c *unstructured.Unstructured) bool {
	scoped, _, _ := unstructured.NestedSlice(c.Object, "spec", "scopedEnforcementActions")
	for _, sa := range scoped {
		if a, _, _ := unstructured.NestedString(unstruct.Map(sa), "action"); a == "deny" {
			return true
		}
	}
	return false
}
