package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/syncgate/syncgate"
	"github.com/syncgate/syncgate/change"
	"github.com/syncgate/syncgate/manifest"
	"github.com/syncgate/syncgate/render"
)

// Endpoint names, as metrics and the decision log label them.
const (
	endpointAdmission = "admission"
	endpointCheck     = "check"
)

// Verdicts, as metrics and the decision log label them.
const (
	verdictAllowed  = "allowed"
	verdictDenied   = "denied"
	verdictExcluded = "excluded" // allowed without a check
	verdictRejected = "rejected" // answered with an HTTP error, no decision
)

// Rejection reasons.
const (
	reasonTooLarge   = "body-too-large"
	reasonMalformed  = "malformed"
	reasonBadRequest = "bad-request"
	reasonOverloaded = "overloaded"
	reasonTimeout    = "timeout"
	reasonNotReady   = "not-ready"
	reasonError      = "error"
)

// outcome is what one request came to, for metrics and the decision log.
type outcome struct {
	endpoint  string
	verdict   string
	kind      string // the object kind, or "" for a stream
	uid       string
	namespace string
	name      string
	dryRun    bool
	objects   int
	rules     []string
	reason    string // why the request was rejected or failed, or ""
}

// record counts and logs a request's outcome.
func (s *Server) record(o outcome, start time.Time) {
	elapsed := time.Since(start)
	kind := ""
	if o.kind != "" {
		kind = s.kinds.label(o.kind)
	}
	s.metrics.requests.WithLabelValues(o.endpoint, o.verdict, kind).Inc()
	s.metrics.duration.WithLabelValues(o.endpoint, o.verdict, kind).Observe(elapsed.Seconds())
	if o.reason != "" {
		s.metrics.rejections.WithLabelValues(o.reason).Inc()
	}
	// Typed attributes, in one array, spare the boxing and the slice
	// growth of key-value arguments; the line is the same.
	attrs := make([]slog.Attr, 0, 11)
	attrs = append(attrs, slog.String("endpoint", o.endpoint), slog.String("verdict", o.verdict), slog.Int64("durationMs", elapsed.Milliseconds()))
	if o.endpoint == endpointAdmission {
		attrs = append(attrs, slog.String("uid", o.uid), slog.String("kind", o.kind), slog.String("namespace", o.namespace), slog.String("name", o.name), slog.Bool("dryRun", o.dryRun))
	} else {
		attrs = append(attrs, slog.Int("objects", o.objects))
	}
	if o.reason != "" {
		attrs = append(attrs, slog.String("reason", o.reason))
	}
	attrs = append(attrs, slog.Any("rules", o.rules))
	// A record without a source spares the logger's walk of the stack.
	if h := s.decided.Handler(); h.Enabled(context.Background(), slog.LevelInfo) {
		r := slog.NewRecord(time.Now(), slog.LevelInfo, "decision", 0)
		r.AddAttrs(attrs...)
		_ = h.Handle(context.Background(), r)
	}
}

// readBody reads a request body within MaxBody. The error is an
// *http.MaxBytesError when the body is too large.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
	// A declared length sizes the buffer once, up to presizeLimit: a
	// client that declares much and sends little gets no more memory than
	// it sent for. The server ends the body at that length.
	if n := r.ContentLength; n >= 0 && n < presizeLimit {
		b := make([]byte, n)
		if _, err := io.ReadFull(body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(body)
}

// presizeLimit bounds the buffer a request's declared length gets before
// its body arrives.
const presizeLimit = 64 << 10

// bodyError answers a body that could not be read: 413 when too large,
// else 400.
func bodyError(w http.ResponseWriter, err error) string {
	if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
		http.Error(w, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit), http.StatusRequestEntityTooLarge)
		return reasonTooLarge
	}
	http.Error(w, "reading the request body: "+err.Error(), http.StatusBadRequest)
	return reasonMalformed
}

// slot waits up to QueueWait for one of MaxInflight slots; free it with
// s.free. False means none came free.
func (s *Server) slot(ctx context.Context) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(s.opts.QueueWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (s *Server) free() { <-s.slots }

// checkObjects checks objects as one target with the current Set. With
// base (an admission review's oldObject), the change from base to objects
// is checked too: change rules, CEL transition rules, change policies.
func checkObjects(ctx context.Context, set *Set, target string, objects, base []*manifest.Object, trusted *syncgate.Config) (*syncgate.Decision, error) {
	t := render.Target{Name: target, Kind: render.KindManifests}
	for _, o := range slices.Concat(objects, base) {
		o.Origin.Target = target
	}
	in := syncgate.Objects{
		Targets: []*render.Result{{Target: t, Objects: objects}},
		Trusted: trusted,
	}
	if base != nil {
		in.Base, in.Change = []*render.Result{{Target: t, Objects: base}}, change.DefaultOptions()
	}
	return set.Gate.CheckObjects(ctx, in)
}

// failure names why a check returned an error: its deadline, or else.
func failure(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return reasonTimeout
	}
	return reasonError
}

// ruleIDs lists the distinct rules of findings, sorted.
func ruleIDs(findings []manifest.Finding) []string {
	ids := make([]string, 0, len(findings))
	for _, f := range findings {
		ids = append(ids, f.Rule)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Bounds of what an admission response says: the apiserver shows it to
// the user who applied, and stores none of it.
const (
	maxMessage        = 4096
	maxFindingMessage = 512
	maxWarnings       = 16
	maxWarning        = 256
)

// denyMessage lists the blocking findings, within maxMessage bytes.
func denyMessage(obj manifest.ObjectRef, findings []manifest.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "syncgate denied %s: %d blocking finding(s)", obj, len(findings))
	for i, f := range findings {
		line := "\n- " + f.Rule
		if f.Object != nil && *f.Object != obj {
			line += " (" + f.Object.String() + ")"
		}
		if f.Field != "" {
			line += " " + f.Field
		}
		line += ": " + truncate(f.Message, maxFindingMessage)
		if more := fmt.Sprintf("\n... and %d more", len(findings)-i); b.Len()+len(line)+len(more) > maxMessage {
			b.WriteString(more)
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

// warnings lists the findings at warning severity that do not block.
func warnings(findings []manifest.Finding) []string {
	var out []string
	for i, f := range findings {
		if len(out) == maxWarnings-1 && i < len(findings)-1 {
			out = append(out, fmt.Sprintf("syncgate: %d more warning(s)", len(findings)-i))
			break
		}
		out = append(out, truncate(f.Rule+": "+f.Message, maxWarning))
	}
	return out
}

// truncate cuts s to at most n bytes on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// split separates the findings that block, at or above failOn, from the
// warnings below it.
func split(findings []manifest.Finding, failOn manifest.Severity) (blocking, warned []manifest.Finding) {
	for _, f := range findings {
		switch {
		case f.Severity.Rank() >= failOn.Rank():
			blocking = append(blocking, f)
		case f.Severity == manifest.SeverityWarning:
			warned = append(warned, f)
		}
	}
	return blocking, warned
}
