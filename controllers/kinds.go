package controllers

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// AuditedKinds returns a new object of every built-in kind the gatherer reads, Secrets
// included when readSecrets is set. Installers use it to check the operator's permissions.
func AuditedKinds(readSecrets bool) []client.Object { return auditedKinds(readSecrets) }

// OptionalKinds returns the third-party kinds the gatherer reads when the cluster serves them.
func OptionalKinds() []schema.GroupKind { return append([]schema.GroupKind(nil), optionalKinds...) }
