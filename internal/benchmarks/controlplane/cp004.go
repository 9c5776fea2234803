package controlplane

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeposture/kubeposture/internal/benchmarks/check"
	"github.com/kubeposture/kubeposture/internal/benchmarks/shared/cpflags"
)

func cp004() check.Check {
	return check.Check{
		ID:       "CP-004",
		Title:    "etcd accepts only clients and peers that authenticate with TLS certificates",
		Domain:   check.DomainControlPlane,
		Level:    check.L1,
		Severity: check.SeverityCritical,
		References: check.References{
			Standard: []string{"S3.13"}, NIST: []string{"4.3.5"},
			CIS: []string{"2.1", "2.2", "2.3", "2.4", "2.5", "2.6"},
		},
		Rationale: "etcd holds every object of the cluster, Secrets included; whoever can talk to it unauthenticated " +
			"owns the cluster. The check reads the etcd mirror pods in kube-system; with external etcd it reads the " +
			"API server's etcd client settings and a person verifies the etcd hosts.",
		Remediation: "Start etcd with --client-cert-auth=true, --peer-client-cert-auth=true, --cert-file, --key-file, " +
			"--trusted-ca-file and the --peer-* equivalents from a dedicated etcd CA, https:// client and peer URLs, " +
			"and without --auto-tls or --peer-auto-tls (kubeadm does all of this).",
		Evaluate: cpEtcdAuthentication,
	}
}

func cpEtcdAuthentication(s *check.Snapshot, _ *check.Env) []check.Finding {
	if s.Source == check.SourceManifests {
		return []check.Finding{check.NotApplicablef("etcd's configuration is a fact of a live control plane")}
	}
	var out []check.Finding
	if pods := cpflags.Of(s, "etcd"); len(pods) > 0 {
		for _, p := range pods {
			if file := p.Flags["config-file"]; file != "" {
				f := check.Manualf("etcd reads its settings from --config-file=%s, which overrides its flags: verify that the file sets "+
					"client-cert-auth and peer-client-cert-auth true, the TLS files and https:// URLs, and no auto-tls", file)
				f.Object = p.Ref
				out = append(out, f)
				continue
			}
			if problems := cpEtcdProblems(p.Flags); len(problems) > 0 {
				out = append(out, check.Failf(p.Ref, "etcd %s", strings.Join(problems, "; ")))
			}
		}
		return out
	}
	apiservers := cpflags.Of(s, "kube-apiserver")
	if len(apiservers) == 0 {
		return []check.Finding{check.Manualf("no etcd or kube-apiserver mirror pod in kube-system (managed or embedded control plane): verify " +
			"with your provider that etcd accepts only clients and peers with certificates from its own CA, then attest it")}
	}
	var servers []string
	for _, api := range apiservers {
		var problems, plain []string
		for _, u := range strings.Split(api.Flags["etcd-servers"], ",") {
			if u = strings.TrimSpace(u); strings.HasPrefix(u, "http://") {
				plain = append(plain, u)
			}
			if u != "" && !slices.Contains(servers, u) {
				servers = append(servers, u)
			}
		}
		if len(plain) > 0 {
			problems = append(problems, "reaches etcd over plain HTTP ("+strings.Join(plain, ", ")+")")
		}
		for _, flag := range []string{"etcd-cafile", "etcd-certfile", "etcd-keyfile"} {
			if api.Flags[flag] == "" {
				problems = append(problems, "--"+flag+" is not set")
			}
		}
		if len(problems) > 0 {
			out = append(out, check.Failf(api.Ref, "kube-apiserver %s, so etcd cannot require client certificates", strings.Join(problems, "; ")))
		}
	}
	return append(out, check.Manualf("etcd runs outside the cluster (%s): verify on the etcd hosts that --client-cert-auth and "+
		"--peer-client-cert-auth are true, the TLS files are set, the URLs are https:// and --auto-tls and --peer-auto-tls "+
		"are off, then attest it", strings.Join(servers, ", ")))
}

// cpEtcdProblems lists the ways an etcd command line lets unauthenticated clients or peers in.
// The URL defaults are etcd's own.
func cpEtcdProblems(flags map[string]string) []string {
	var problems []string
	for _, flag := range []string{"client-cert-auth", "peer-client-cert-auth"} {
		if flags[flag] != "true" {
			problems = append(problems, "--"+flag+" is not true")
		}
	}
	for _, flag := range []string{"cert-file", "key-file", "trusted-ca-file", "peer-cert-file", "peer-key-file", "peer-trusted-ca-file"} {
		if flags[flag] == "" {
			problems = append(problems, "--"+flag+" is not set")
		}
	}
	for _, flag := range []string{"auto-tls", "peer-auto-tls"} {
		if flags[flag] == "true" {
			problems = append(problems, "--"+flag+"=true uses self-signed certificates that authenticate no one")
		}
	}
	urlDefaults := map[string]string{
		"listen-client-urls":          "http://localhost:2379",
		"advertise-client-urls":       "http://localhost:2379",
		"listen-peer-urls":            "http://localhost:2380",
		"initial-advertise-peer-urls": "http://localhost:2380",
	}
	for _, flag := range []string{"listen-client-urls", "advertise-client-urls", "listen-peer-urls", "initial-advertise-peer-urls"} {
		value, set := flags[flag]
		if !set {
			value = urlDefaults[flag]
		}
		for _, u := range strings.Split(value, ",") {
			if u = strings.TrimSpace(u); strings.HasPrefix(u, "http://") {
				how := "is"
				if !set {
					how = "defaults to"
				}
				problems = append(problems, fmt.Sprintf("--%s %s %s, which serves without TLS or client certificates", flag, how, u))
			}
		}
	}
	return problems
}
