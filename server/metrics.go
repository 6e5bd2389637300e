package server

import (
	"regexp"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's own, in a registry of its own: two servers in
// one process never share a counter.
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inflight   prometheus.Gauge
	rejections *prometheus.CounterVec
	reloads    *prometheus.CounterVec
}

func newMetrics() *metrics {
	labels := []string{"endpoint", "verdict", "kind"}
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncgate_requests_total",
			Help: "Requests answered, by endpoint, verdict and object kind.",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "syncgate_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by endpoint, verdict and object kind.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, labels),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "syncgate_inflight_requests",
			Help: "Requests being checked or waiting for a slot.",
		}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncgate_rejections_total",
			Help: "Requests answered without a check, by reason: body-too-large, malformed, overloaded, timeout, not-ready, bad-request.",
		}, []string{"reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "syncgate_policy_reloads_total",
			Help: "Builds of the policy set, at start and on file changes, by result: success or error (the previous set stays).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inflight, m.rejections, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// kindName matches what a Kubernetes kind may be.
var kindName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{0,62}$`)

// maxKinds bounds the kind label's values: a cluster has a few hundred
// kinds at most, and a client must not grow the label set at will.
const maxKinds = 512

// kinds hands out kind label values: the first maxKinds well-formed kinds
// seen, "other" for the rest.
type kinds struct {
	mu sync.Mutex
	// seen maps a kind to its own copy: a kind read from a request is cut
	// from the request's body, which a label kept for good must not keep.
	seen map[string]string
}

func (k *kinds) label(kind string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if kept, ok := k.seen[kind]; ok {
		return kept
	}
	if len(k.seen) >= maxKinds || !kindName.MatchString(kind) {
		return "other"
	}
	if k.seen == nil {
		k.seen = map[string]string{}
	}
	kept := strings.Clone(kind)
	k.seen[kept] = kept
	return kept
}
