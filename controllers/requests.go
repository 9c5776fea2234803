package controllers

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/util/sets"
	apirequest "k8s.io/apiserver/pkg/endpoints/request"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// apiRequests counts the operator's requests to the API server by verb (get, list, watch,
// create, patch…), as the API server itself classifies them. In steady state an audit sends no
// list: it reads the informer cache.
var apiRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "kubeposture_apiserver_requests_total",
	Help: "Requests the operator sent to the API server, by verb (list, watch, get, create, patch, …).",
}, []string{"verb"})

func init() { metrics.Registry.MustRegister(apiRequests) }

var requestInfo = &apirequest.RequestInfoFactory{
	APIPrefixes:          sets.NewString("api", "apis"),
	GrouplessAPIPrefixes: sets.NewString("api"),
}

// CountRequests wraps a transport so every request is counted in kubeposture_apiserver_requests_total.
func CountRequests(rt http.RoundTripper) http.RoundTripper { return countRequests(rt, apiRequests) }

func countRequests(rt http.RoundTripper, counter *prometheus.CounterVec) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		verb := "other"
		if info, err := requestInfo.NewRequestInfo(req); err == nil && info.IsResourceRequest {
			verb = info.Verb
		}
		counter.WithLabelValues(verb).Inc()
		return rt.RoundTrip(req)
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
