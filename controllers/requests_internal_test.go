package controllers

import (
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCountRequestsClassifiesVerbs(t *testing.T) {
	// Its own counter: the suite's manager sends requests through the global one meanwhile.
	counter := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "test_requests_total"}, []string{"verb"})
	rt := countRequests(roundTripperFunc(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 200}, nil }), counter)
	for _, r := range []struct{ method, url string }{
		{"GET", "https://api/api/v1/pods"},
		{"GET", "https://api/apis/apps/v1/namespaces/shop/deployments"},
		{"GET", "https://api/api/v1/namespaces/shop/pods/web"},
		{"GET", "https://api/api/v1/pods?watch=true"},
		{"PATCH", "https://api/apis/security.kubeposture.io/v1alpha1/securityprofiles/p/status"},
	} {
		req, _ := http.NewRequest(r.method, r.url, nil)
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
	}
	for verb, want := range map[string]float64{"list": 2, "get": 1, "watch": 1, "patch": 1} {
		if got := testutil.ToFloat64(counter.WithLabelValues(verb)); got != want {
			t.Errorf("%s: counted %v, want %v", verb, got, want)
		}
	}
}
