package server

import (
	"context"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/syncgate/syncgate/manifest"
)

// admission answers POST /v1/admission: an AdmissionReview
// admission.k8s.io/v1. A review that cannot be decided is denied; only an
// undecodable one gets an HTTP error, which the apiserver's failurePolicy
// then decides.
func (s *Server) admission(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()
	o := outcome{endpoint: endpointAdmission, verdict: verdictRejected}
	defer func() { s.record(o, start) }()
	body, err := s.readBody(w, r)
	if err != nil {
		o.reason = bodyError(w, err)
		return
	}
	rv, err := decodeReview(body, s.opts.Limits)
	if err != nil {
		o.reason = reasonMalformed
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	o.uid, o.kind, o.namespace, o.name, o.dryRun = rv.uid, rv.kind, rv.namespace, rv.name, rv.dryRun
	resp := s.review(r.Context(), rv, &o)
	resp.UID = types.UID(rv.uid)
	writeReview(w, resp)
}

// review decides one review, filling o.
func (s *Server) review(ctx context.Context, rv *review, o *outcome) *admissionv1.AdmissionResponse {
	// A subresource (status, scale) is not the object the checks know. A
	// DELETE has only oldObject: its change (a removal) is what is checked.
	obj := rv.object
	if rv.operation == admissionv1.Delete {
		obj = rv.oldObject
	}
	if obj == nil || rv.subResource != "" {
		o.verdict = verdictExcluded
		return &admissionv1.AdmissionResponse{Allowed: true}
	}
	l := s.acquire()
	if l == nil {
		o.verdict, o.reason = verdictDenied, reasonNotReady
		return deny(http.StatusServiceUnavailable, "syncgate: policies not compiled yet; retry")
	}
	defer l.release()
	// An excluded namespace is not ours, and needs no slot.
	if s.excluded(l.set, rv.namespace) {
		o.verdict = verdictExcluded
		return &admissionv1.AdmissionResponse{Allowed: true}
	}
	if !s.slot(ctx) {
		o.reason = reasonOverloaded
		if s.opts.FailOpen {
			o.verdict = verdictAllowed
			return &admissionv1.AdmissionResponse{Allowed: true, Warnings: []string{"syncgate: overloaded, allowed without a check (--fail-open)"}}
		}
		o.verdict = verdictDenied
		return deny(http.StatusServiceUnavailable, "syncgate: overloaded, denied without a check; retry")
	}
	defer s.free()
	ctx, cancel := context.WithTimeout(ctx, s.opts.RequestTimeout)
	defer cancel()
	var objects []*manifest.Object
	if rv.object != nil {
		objects = []*manifest.Object{rv.object}
	}
	var base []*manifest.Object
	if rv.oldObject != nil {
		base = []*manifest.Object{rv.oldObject}
	}
	d, err := checkObjects(ctx, l.set, endpointAdmission, objects, base, nil)
	if err != nil {
		// Fail closed: what could not be checked is not admitted.
		o.verdict, o.reason = verdictDenied, failure(err)
		s.log.Warn("admission review failed", "uid", o.uid, "err", err)
		return deny(http.StatusInternalServerError, "syncgate: the check did not finish ("+o.reason+"); denied")
	}
	o.rules = ruleIDs(d.Findings)
	blocking, warned := split(d.Findings, l.set.FailOn)
	resp := &admissionv1.AdmissionResponse{Allowed: d.Allowed, Warnings: warnings(warned)}
	o.verdict = verdictAllowed
	if !d.Allowed {
		o.verdict = verdictDenied
		resp.Result = &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusForbidden,
			Reason:  metav1.StatusReasonForbidden,
			Message: denyMessage(obj.Ref(), blocking),
		}
	}
	return resp
}

func deny(code int32, message string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Result: &metav1.Status{Status: metav1.StatusFailure, Code: code, Message: message}}
}

func writeReview(w http.ResponseWriter, resp *admissionv1.AdmissionResponse) {
	w.Header().Set("Content-Type", "application/json")
	// A write error means the client left.
	_, _ = w.Write(appendReview(make([]byte, 0, 512), resp))
}
