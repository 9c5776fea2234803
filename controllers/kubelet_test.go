package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	securityv1alpha1 "github.com/kubeposture/kubeposture/api/v1alpha1"
)

// TestKubeletConfigIsOptIn: without readKubeletConfig the kubelet checks are Skipped and say how
// to turn them on; with it, the operator goes through the API server's node proxy, and a node
// it cannot reach is an Error, never a Pass. (The API server refuses to proxy to loopback
// addresses, so this node is unreachable by construction.)
func TestKubeletConfigIsOptIn(t *testing.T) {
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kubelet-optin"}}
	if err := k8sClient.Create(ctx, node); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8sClient.Delete(ctx, node) })
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = 10250
	if err := k8sClient.Status().Update(ctx, node); err != nil {
		t.Fatal(err)
	}

	off := scopedProfile("kubelet-off", "kubelet", securityv1alpha1.LevelL1, "NODE-010")
	createProfile(t, off)
	got := waitFor(t, off.Name, 20*time.Second, "NODE-010 Skipped", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "NODE-010")
		return cs != nil && cs.Result == "Skipped"
	})
	if msg := checkStatus(got, "NODE-010").Message; !strings.Contains(msg, "readKubeletConfig") {
		t.Errorf("the Skipped result must say how to turn it on: %q", msg)
	}

	on := scopedProfile("kubelet-on", "kubelet", securityv1alpha1.LevelL1, "NODE-010")
	on.Spec.Parameters.ReadKubeletConfig = true
	createProfile(t, on)
	got = waitFor(t, on.Name, 20*time.Second, "NODE-010 Error for the unreachable kubelet", func(p *securityv1alpha1.SecurityProfile) bool {
		cs := checkStatus(p, "NODE-010")
		return cs != nil && cs.Result == "Error"
	})
	cs := checkStatus(got, "NODE-010")
	if len(cs.Samples) == 0 || cs.Samples[0].Name != "kubelet-optin" || !strings.Contains(cs.Message, "node proxy") {
		t.Errorf("the Error names the node and the proxy: %+v", cs)
	}
}
