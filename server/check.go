package server

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/report"
)

// check answers POST /v1/check: a YAML or JSON stream of objects, checked
// as one target (?target=, default "request") with the Gate's
// configuration or a named one (?config=). The answer is the JSON
// decision of check -o json.
func (s *Server) check(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()
	o := outcome{endpoint: endpointCheck, verdict: verdictRejected}
	defer func() { s.record(o, start) }()
	body, err := s.readBody(w, r)
	if err != nil {
		o.reason = bodyError(w, err)
		return
	}
	objects, err := decodeStream(r.Header.Get("Content-Type"), body, s.opts.Limits)
	if err != nil {
		o.reason = reasonMalformed
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.objects = len(objects)
	q := r.URL.Query()
	target := q.Get("target")
	if target == "" {
		target = "request"
	}
	if !s.slot(r.Context()) {
		o.reason = reasonOverloaded
		w.Header().Set("Retry-After", "1")
		http.Error(w, "overloaded: retry", http.StatusServiceUnavailable)
		return
	}
	defer s.free()
	l := s.acquire()
	if l == nil {
		o.reason = reasonNotReady
		http.Error(w, "policies not compiled yet: retry", http.StatusServiceUnavailable)
		return
	}
	defer l.release()
	var trusted *syncgate.Config
	if name := q.Get("config"); name != "" {
		if trusted = l.set.Configs[name]; trusted == nil {
			o.reason = reasonBadRequest
			http.Error(w, "unknown config "+name, http.StatusBadRequest)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
	defer cancel()
	d, err := checkObjects(ctx, l.set, target, objects, nil, trusted)
	if err != nil {
		o.reason = failure(err)
		s.log.Warn("check failed", "err", err)
		http.Error(w, "the check did not finish: "+o.reason, http.StatusServiceUnavailable)
		return
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, d, report.JSON, report.Options{}); err != nil {
		o.reason = reasonError
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	o.verdict, o.rules = verdictDenied, ruleIDs(d.Findings)
	if d.Allowed {
		o.verdict = verdictAllowed
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}
