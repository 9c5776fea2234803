package gather

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	authorizationclient "k8s.io/client-go/kubernetes/typed/authorization/v1"
)

// Roles the operator's permissions come from, as config/rbac names them.
const (
	roleAudit         = "ClusterRole kubeposture-audit"
	roleSecretsReader = "ClusterRole kubeposture-secrets-reader (config/components/secrets-reader)"
	roleNodeProxy     = "ClusterRole kubeposture-node-proxy (config/components/node-proxy)"
)

// accessTTL is how long an access review's answer is reused: permissions are checked at the
// first audit and again this often, so a role granted or removed later is noticed.
const accessTTL = 2 * time.Minute

// AccessChecker asks the API server, with SelfSubjectAccessReviews, what the operator may do.
// Answers are cached for accessTTL. A nil *AccessChecker allows everything.
type AccessChecker struct {
	Reviews authorizationclient.SelfSubjectAccessReviewInterface

	mu      sync.Mutex
	answers map[accessKey]accessAnswer
}

type accessKey struct {
	group, resource, subresource, verb string
}

type accessAnswer struct {
	allowed bool
	err     error
	at      time.Time
}

// Missing returns, for a resource the operator reads, the verbs among verbs it may not use
// cluster-wide, as a sentence naming the role that grants them; "" when every verb is allowed.
// An access review that fails is reported as missing access, never as allowed.
func (a *AccessChecker) Missing(ctx context.Context, gr schema.GroupResource, subresource, role string, now time.Time, verbs ...string) string {
	if a == nil || a.Reviews == nil {
		return ""
	}
	var denied []string
	var failure error
	for _, v := range verbs {
		ans := a.review(ctx, accessKey{gr.Group, gr.Resource, subresource, v}, now)
		if ans.err != nil {
			failure = ans.err
		}
		if !ans.allowed {
			denied = append(denied, v)
		}
	}
	if len(denied) == 0 {
		return ""
	}
	res := gr.Resource
	if subresource != "" {
		res += "/" + subresource
	}
	if gr.Group != "" {
		res += "." + gr.Group
	}
	sort.Strings(denied)
	msg := fmt.Sprintf("the operator may not %s %s (granted by %s)", strings.Join(denied, ", "), res, role)
	if failure != nil {
		msg += fmt.Sprintf("; the access review failed: %v", failure)
	}
	return msg
}

func (a *AccessChecker) review(ctx context.Context, k accessKey, now time.Time) accessAnswer {
	a.mu.Lock()
	ans, ok := a.answers[k]
	a.mu.Unlock()
	if ok && now.Sub(ans.at) < accessTTL {
		return ans
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := a.Reviews.Create(rctx, &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Group: k.group, Resource: k.resource, Subresource: k.subresource, Verb: k.verb},
	}}, metav1.CreateOptions{})
	ans = accessAnswer{at: now, err: err}
	if err == nil {
		ans.allowed = r.Status.Allowed
	}
	a.mu.Lock()
	if a.answers == nil {
		a.answers = map[accessKey]accessAnswer{}
	}
	a.answers[k] = ans
	a.mu.Unlock()
	return ans
}
