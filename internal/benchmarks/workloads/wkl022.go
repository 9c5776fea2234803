package workloads

import (
	"fmt"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func wkl022() check.Check {
	return check.Check{
		ID:         "WKL-022",
		Title:      "Workloads roll out gradually and can be rolled back",
		Domain:     check.DomainWorkloads,
		Level:      check.L2,
		Severity:   check.SeverityLow,
		References: check.References{Standard: []string{"S2.8", "S12.5"}},
		Rationale: "Recreate and OnDelete strategies take the whole workload down or leave updates to " +
			"chance, and a revision history of 0 removes the rollback target. Canary tooling (Argo " +
			"Rollouts, Flagger) is welcome but not required; a Deployment driven by an Argo Rollout is left out.",
		Remediation: "Use strategy RollingUpdate on Deployments (or justify Recreate with the configured " +
			"annotation), updateStrategy RollingUpdate on StatefulSets and DaemonSets, and keep " +
			"revisionHistoryLimit at 1 or more.",
		Reads:    []string{"Rollout.argoproj.io"},
		Evaluate: lcRollout,
	}
}

// WKL-022.
func lcRollout(s *check.Snapshot, env *check.Env) []check.Finding {
	rolloutManaged := lcArgoRolloutWorkloads(s)
	annotation := env.Params.Lifecycle.RecreateStrategyAnnotation
	var out []check.Finding
	inspected := 0
	for _, d := range s.Deployments {
		ref := check.ObjectRef{Kind: "Deployment", Namespace: d.Namespace, Name: d.Name}
		if !env.Scope.InScope(s, d.Namespace) || rolloutManaged[ref] {
			continue
		}
		inspected++
		var problems []string
		if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType && (annotation == "" || d.Annotations[annotation] == "") {
			problems = append(problems, fmt.Sprintf("strategy.type is Recreate without a %s annotation explaining why", annotation))
		}
		problems = append(problems, lcHistoryProblem(d.Spec.RevisionHistoryLimit)...)
		out = lcAppendProblems(out, ref, problems)
	}
	for _, st := range s.StatefulSets {
		if !env.Scope.InScope(s, st.Namespace) {
			continue
		}
		inspected++
		var problems []string
		if st.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
			problems = append(problems, "updateStrategy.type is OnDelete: updates wait for pods to be deleted by hand")
		}
		problems = append(problems, lcHistoryProblem(st.Spec.RevisionHistoryLimit)...)
		out = lcAppendProblems(out, check.ObjectRef{Kind: "StatefulSet", Namespace: st.Namespace, Name: st.Name}, problems)
	}
	for _, ds := range s.DaemonSets {
		if !env.Scope.InScope(s, ds.Namespace) {
			continue
		}
		inspected++
		var problems []string
		if ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
			problems = append(problems, "updateStrategy.type is OnDelete: updates wait for pods to be deleted by hand")
		}
		problems = append(problems, lcHistoryProblem(ds.Spec.RevisionHistoryLimit)...)
		out = lcAppendProblems(out, check.ObjectRef{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name}, problems)
	}
	if inspected == 0 {
		return []check.Finding{check.NotApplicablef("no in-scope Deployment, StatefulSet or DaemonSet")}
	}
	return out
}

func lcHistoryProblem(limit *int32) []string {
	if limit != nil && *limit < 1 {
		return []string{fmt.Sprintf("revisionHistoryLimit is %d: there is no revision to roll back to", *limit)}
	}
	return nil
}

// lcArgoRolloutWorkloads returns the Deployments an Argo Rollout runs through spec.workloadRef;
// the Rollout, not the Deployment's strategy, decides how they roll out.
func lcArgoRolloutWorkloads(s *check.Snapshot) map[check.ObjectRef]bool {
	out := map[check.ObjectRef]bool{}
	for _, r := range s.ExtraObjects("Rollout.argoproj.io") {
		kind, _, _ := unstructured.NestedString(r.Object, "spec", "workloadRef", "kind")
		name, _, _ := unstructured.NestedString(r.Object, "spec", "workloadRef", "name")
		if kind == "Deployment" && name != "" {
			out[check.ObjectRef{Kind: kind, Namespace: r.GetNamespace(), Name: name}] = true
		}
	}
	return out
}
