package gather

import "k8s.io/apimachinery/pkg/runtime/schema"

// OptionalKinds returns the third-party kinds the gatherer reads when the cluster serves them.
func OptionalKinds() []schema.GroupKind { return append([]schema.GroupKind(nil), optionalKinds...) }
