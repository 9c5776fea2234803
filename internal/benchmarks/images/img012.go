package images

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	corev1 "k8s.io/api/core/v1"
)

func img012() check.Check {
	return check.Check{
		ID:         "IMG-012",
		Title:      "Private registry images are pulled with credentials",
		Domain:     check.DomainImages,
		Level:      check.L2,
		Severity:   check.SeverityMedium,
		References: check.References{NIST: []string{"4.2.3"}, MLPS: []string{"G1b", "G2b"}},
		Rationale: "A private registry must authenticate pulls so only the workloads entitled to an image " +
			"get it; a registry that serves pods without credentials is open to everyone who can reach it. " +
			"Pull Secrets copied into namespaces that never use them widen who can read the credentials.",
		Remediation: "Give pods from private registries imagePullSecrets (on the pod or its " +
			"ServiceAccount), require authentication on the registry, and delete pull Secrets from " +
			"namespaces that do not use them.",
		Evaluate: imgPullCredentials,
	}
}

// IMG-012.
func imgPullCredentials(s *check.Snapshot, env *check.Env) []check.Finding {
	p := env.Params.Images
	accounts := map[string]*corev1.ServiceAccount{}
	for _, sa := range s.ServiceAccounts {
		accounts[sa.Namespace+"/"+sa.Name] = sa
	}
	used := map[string]bool{} // namespace/secret names some pod or ServiceAccount pulls with
	for _, sa := range s.ServiceAccounts {
		for _, ref := range sa.ImagePullSecrets {
			used[sa.Namespace+"/"+ref.Name] = true
		}
	}
	var out []check.Finding
	workloads := env.Workloads(s)
	for i := range workloads {
		w := &workloads[i]
		spec := w.Spec
		if w.Pod != nil {
			spec = &w.Pod.Spec // a pod folded into its controller keeps its own pull secrets
		}
		hasSecrets := len(spec.ImagePullSecrets) > 0
		for _, ref := range spec.ImagePullSecrets {
			used[w.Ref.Namespace+"/"+ref.Name] = true
		}
		if sa := accounts[w.Ref.Namespace+"/"+check.PodServiceAccount(spec)]; sa != nil && len(sa.ImagePullSecrets) > 0 {
			hasSecrets = true
		}
		if hasSecrets {
			continue
		}
		var problems []string
		for _, ic := range imgContainers(w, true) {
			if ic.err != nil || imgRegistryListed(ic.ref, p.PublicRegistries) || imgRegistryListed(ic.ref, p.NodeCredentialRegistries) {
				continue
			}
			problems = append(problems, fmt.Sprintf("%s comes from private registry %s", ic.name(), ic.ref.Registry))
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(w.Ref, "%s, but neither the pod nor its ServiceAccount %q has imagePullSecrets",
				strings.Join(problems, "; "), check.PodServiceAccount(spec)))
		}
	}
	return append(out, imgUnusedPullSecrets(s, env, used)...)
}

// imgUnusedPullSecrets reports registry credentials in namespaces where no pod or ServiceAccount
// pulls with them; used holds namespace/name of the ones in use.
func imgUnusedPullSecrets(s *check.Snapshot, env *check.Env, used map[string]bool) []check.Finding {
	if !s.SecretsRead {
		return nil
	}
	var out []check.Finding
	for _, sec := range s.Secrets {
		if (sec.Type != corev1.SecretTypeDockerConfigJson && sec.Type != corev1.SecretTypeDockercfg) ||
			!env.Scope.InScope(s, sec.Namespace) || used[sec.Namespace+"/"+sec.Name] {
			continue
		}
		out = append(out, check.Failf(check.ObjectRef{Kind: "Secret", Namespace: sec.Namespace, Name: sec.Name},
			"registry credentials of type %s that no pod or ServiceAccount in the namespace pulls with", sec.Type))
	}
	return out
}
