package backups

import (
	"fmt"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/glob"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func bak006() check.Check {
	return check.Check{
		ID:         "BAK-006",
		Title:      "etcd is snapshotted at least weekly",
		Domain:     check.DomainBackups,
		Level:      check.L1,
		Severity:   check.SeverityHigh,
		References: check.References{Standard: []string{"S11.1", "S12.9"}},
		Rationale: "An etcd snapshot is the only way back from a lost or corrupted control plane on a " +
			"self-managed cluster. The check finds the snapshot CronJob by label or name and reads its " +
			"schedule and last successful run; that the snapshot files exist and are intact needs access " +
			"to where they are stored. A managed control plane is the provider's job and needs an attestation.",
		Remediation: "Run `etcdctl snapshot save` from a CronJob at least weekly (label it " +
			"app.kubernetes.io/component=etcd-backup), copy the snapshot off the control-plane nodes, or " +
			"record an exemption if snapshots are taken by a node timer.",
		Evaluate: bakEtcdSnapshots,
	}
}

func bakEtcdSnapshots(s *check.Snapshot, env *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("etcd snapshots are state of a live control plane that manifests do not show")}
	}
	etcdPods := 0
	for _, p := range s.Pods {
		if p.Namespace == "kube-system" && (p.Labels["component"] == "etcd" || strings.HasPrefix(p.Name, "etcd-")) {
			etcdPods++
		}
	}
	if etcdPods == 0 {
		if len(cpflags.KubeAPIServer(s)) == 0 {
			return []check.Finding{check.Manualf("managed control plane (no etcd or kube-apiserver pods in kube-system): verify with your " +
				"provider that etcd is backed up at least weekly and how it is restored, and attest it")}
		}
		return []check.Finding{check.Manualf("etcd does not run as a pod in kube-system (external etcd or a distribution that embeds it): " +
			"verify that `etcdctl snapshot save` (or the distribution's snapshot command) runs at least weekly and that the " +
			"snapshots are copied off the nodes, and attest it")}
	}
	jobs, err := bakEtcdBackupJobs(s, env)
	if err != nil {
		return []check.Finding{check.Errorf(check.ObjectRef{Kind: "CronJob"}, "%v", err)}
	}
	if len(jobs) == 0 {
		return []check.Finding{check.Failf(check.ObjectRef{Kind: "CronJob"}, "no etcd snapshot CronJob found (label %s or a name like %s), "+
			"although etcd runs in kube-system", env.Params.Backups.EtcdBackupSelector, strings.Join(env.Params.Backups.EtcdBackupNamePatterns, ", "))}
	}
	maxAge := env.Params.BackupMaxAge
	var out []check.Finding
	for _, cj := range jobs {
		ref := check.ObjectRef{Kind: "CronJob", Namespace: cj.Namespace, Name: cj.Name}
		var problems []string
		if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
			problems = append(problems, "it is suspended")
		}
		gap, err := bakScheduleGap(cj.Spec.Schedule, env.Now)
		switch {
		case err != nil:
			out = append(out, check.Errorf(ref, "cannot read schedule %q: %v", cj.Spec.Schedule, err))
			continue
		case gap > maxAge:
			problems = append(problems, fmt.Sprintf("schedule %q leaves up to %s between snapshots", cj.Spec.Schedule, bakGapText(gap)))
		}
		switch last := cj.Status.LastSuccessfulTime; {
		case last == nil:
			problems = append(problems, "it has never completed successfully")
		case env.Now.Sub(last.Time) > maxAge:
			problems = append(problems, fmt.Sprintf("last successful run was %s ago", check.ApproxDuration(env.Now.Sub(last.Time))))
		}
		if len(problems) == 0 {
			return nil // one healthy snapshot job is enough
		}
		out = append(out, check.Failf(ref, "etcd snapshots are not taken at least every %s: %s", check.ApproxDuration(maxAge), strings.Join(problems, "; ")))
	}
	return out
}

// bakEtcdBackupJobs returns the CronJobs that take etcd snapshots, by label or by name.
func bakEtcdBackupJobs(s *check.Snapshot, env *check.Env) ([]*batchv1.CronJob, error) {
	p := env.Params.Backups
	var sel labels.Selector
	if strings.TrimSpace(p.EtcdBackupSelector) != "" {
		var err error
		if sel, err = labels.Parse(p.EtcdBackupSelector); err != nil {
			return nil, fmt.Errorf("parameter EtcdBackupSelector %q is not a label selector: %w", p.EtcdBackupSelector, err)
		}
	}
	var out []*batchv1.CronJob
	for _, cj := range s.CronJobs {
		byLabel := sel != nil && !sel.Empty() && sel.Matches(labels.Set(cj.Labels))
		byName := false
		for _, pat := range p.EtcdBackupNamePatterns {
			byName = byName || glob.Wildcard(pat, cj.Name)
		}
		if byLabel || byName {
			out = append(out, cj)
		}
	}
	return out, nil
}
