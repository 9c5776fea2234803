package check

import (
	"time"
)

// ImageParams are the parameters of the IMG- checks.
type ImageParams struct {
	// PublicRegistries are registry hosts (wildcards allowed) that serve images without
	// credentials; images from any other registry need pull credentials (IMG-012). Private
	// repositories on these hosts cannot be told apart and are not flagged.
	PublicRegistries []string
	// NodeCredentialRegistries are registry hosts (wildcards allowed) whose credentials the
	// kubelet gets from a credential provider on the node, such as ECR, ACR or Artifact Registry,
	// so pods need no imagePullSecrets for them (IMG-012).
	NodeCredentialRegistries []string
	// ScanMaxAge is the oldest a running image's vulnerability report may be (IMG-006).
	ScanMaxAge time.Duration
	// FixableOnly counts only vulnerabilities with a fixed version (IMG-007): a finding without a
	// fix cannot be removed by rebuilding the image.
	FixableOnly bool
	// ScanGateWebhooks are wildcard patterns of ValidatingWebhookConfiguration or webhook names
	// that belong to an image scanner's admission controller (IMG-008).
	ScanGateWebhooks []string
	// RegistryImages are wildcard patterns of image repositories (the trailing path, without
	// registry host and tag) that run an image registry in the cluster (IMG-013).
	RegistryImages []string
	// MinimalOSFamilies are the operating-system families of minimal base images (IMG-014);
	// an image without a detected OS (scratch, static) is minimal too.
	MinimalOSFamilies []string
	// ImageMaxAge is the oldest an image may be, by its creation date, before it should be
	// rebuilt (IMG-015).
	ImageMaxAge time.Duration
}

func defaultImageParams() ImageParams {
	const day = 24 * time.Hour
	return ImageParams{
		PublicRegistries: []string{
			"docker.io", "registry.k8s.io", "k8s.gcr.io", "quay.io", "ghcr.io", "gcr.io", "mcr.microsoft.com",
			"public.ecr.aws", "cgr.dev", "registry.gitlab.com",
		},
		NodeCredentialRegistries: []string{"*.dkr.ecr.*.amazonaws.com", "*.dkr.ecr.*.amazonaws.com.cn", "*-docker.pkg.dev", "*.azurecr.io"},
		ScanMaxAge:               60 * day, // seed 002 Q1
		FixableOnly:              true,
		ScanGateWebhooks: []string{
			"*trivy*", "*stackrox*", "*neuvector*", "*anchore*", "*kube-enforcer*", "*twistlock*", "*prisma*",
			"*sysdig*", "*image-scan*", "*vulnerabilit*",
		},
		RegistryImages:    []string{"library/registry", "distribution/distribution", "goharbor/registry-photon", "project-zot/zot*", "projectquay/quay"},
		MinimalOSFamilies: []string{"alpine", "wolfi", "chainguard"},
		ImageMaxAge:       180 * day,
	}
}
