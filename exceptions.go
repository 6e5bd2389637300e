package syncgate

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/syncgate/syncgate/manifest"
)

// Annotations by which an object waives rules for itself, as a team
// records a decision next to the object it concerns.
const (
	IgnoreAnnotation       = "syncgate.io/ignore"
	IgnoreReasonAnnotation = "syncgate.io/ignore-reason"
)

// Exception waives findings of a rule, in .syncgate.yaml. Every field but
// Rule narrows it; Reason is required so a waiver always says why.
type Exception struct {
	// Rule is a rule ID, or a prefix ending in "*" ("schema/*").
	Rule string `yaml:"rule" json:"rule"`
	// Target is a target name, or a path.Match pattern over target names.
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	// File is a path.Match pattern over the finding's file.
	File string `yaml:"file,omitempty" json:"file,omitempty"`
	// Kind, Namespace and Name select the object.
	Kind      string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	Name      string `yaml:"name,omitempty" json:"name,omitempty"`
	// Reason says why the finding is acceptable.
	Reason string `yaml:"reason" json:"reason"`
	// Expires is the last day (YYYY-MM-DD) the exception applies; after it
	// the findings count again and the expired exception is reported.
	Expires string `yaml:"expires,omitempty" json:"expires,omitempty"`

	line    int
	expires time.Time
}

// Waived is a finding an exception accepted. Waived findings are reported,
// never dropped, and do not block.
type Waived struct {
	manifest.Finding
	// Reason is the exception's reason.
	Reason string `json:"reason"`
	// By names the exception: ".syncgate.yaml:12" or "annotation".
	By string `json:"by"`
}

func (e *Exception) check() error {
	if e.Rule == "" {
		return fmt.Errorf("exceptions: rule is required")
	}
	if strings.TrimSpace(e.Reason) == "" {
		return fmt.Errorf("exceptions (%s): reason is required", e.Rule)
	}
	for _, pattern := range []string{e.Target, e.File} {
		if _, err := path.Match(pattern, ""); err != nil {
			return fmt.Errorf("exceptions (%s): pattern %q: %w", e.Rule, pattern, err)
		}
	}
	if e.Expires != "" {
		t, err := time.Parse(time.DateOnly, e.Expires)
		if err != nil {
			return fmt.Errorf("exceptions (%s): expires %q: want YYYY-MM-DD", e.Rule, e.Expires)
		}
		e.expires = t
	}
	return nil
}

func (e *Exception) expired(now time.Time) bool {
	return !e.expires.IsZero() && now.After(e.expires.AddDate(0, 0, 1))
}

func (e *Exception) matches(f manifest.Finding) bool {
	if !ruleMatches(e.Rule, f.Rule) || !globMatches(e.Target, f.Target) || !globMatches(e.File, f.File) {
		return false
	}
	if e.Kind == "" && e.Namespace == "" && e.Name == "" {
		return true
	}
	return f.Object != nil && orAny(e.Kind, f.Object.Kind) && orAny(e.Namespace, f.Object.Namespace) && orAny(e.Name, f.Object.Name)
}

func ruleMatches(pattern, rule string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(rule, prefix)
	}
	return pattern == rule
}

func globMatches(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

func orAny(want, got string) bool { return want == "" || want == got }

// waivers applies the configuration's exceptions and severity overrides
// and the objects' ignore annotations to findings.
type waivers struct {
	file       string
	exceptions []Exception
	severity   map[string]manifest.Severity
	now        time.Time
}

func newWaivers(cfg *Config, now time.Time) *waivers {
	w := &waivers{file: ConfigFileName, now: now}
	if cfg != nil {
		w.exceptions = cfg.Exceptions
		w.severity = cfg.Severity
		w.file = cfg.name()
	}
	return w
}

// expiredFindings reports each expired exception once per Check.
func (w *waivers) expiredFindings() []manifest.Finding {
	var out []manifest.Finding
	for _, e := range w.exceptions {
		if e.expired(w.now) {
			out = append(out, manifest.Finding{
				Rule:     "config/expired-exception",
				Severity: manifest.SeverityWarning,
				Message:  fmt.Sprintf("the exception for %s expired on %s (reason given: %s); its findings count again", e.Rule, e.Expires, e.Reason),
				File:     w.file,
				Line:     e.line,
			})
		}
	}
	return out
}

// apply splits the findings of one target's objects into those that count
// and those waived.
func (w *waivers) apply(findings []manifest.Finding, objects []*manifest.Object) (kept []manifest.Finding, waived []Waived) {
	annotated, kept := annotationWaivers(objects)
	for _, f := range findings {
		if sev, ok := w.severity[f.Rule]; ok {
			f.Severity = sev
		}
		if wv, ok := w.waive(f, annotated); ok {
			waived = append(waived, wv)
			continue
		}
		kept = append(kept, f)
	}
	return kept, waived
}

func (w *waivers) waive(f manifest.Finding, annotated map[manifest.ObjectRef]objectWaiver) (Waived, bool) {
	for _, e := range w.exceptions {
		if !e.expired(w.now) && e.matches(f) {
			return Waived{Finding: f, Reason: e.Reason, By: fmt.Sprintf("%s:%d", w.file, e.line)}, true
		}
	}
	if f.Object == nil {
		return Waived{}, false
	}
	ow, ok := annotated[*f.Object]
	if !ok || !slices.ContainsFunc(ow.rules, func(r string) bool { return ruleMatches(r, f.Rule) }) {
		return Waived{}, false
	}
	return Waived{Finding: f, Reason: ow.reason, By: "annotation " + IgnoreAnnotation}, true
}

type objectWaiver struct {
	rules  []string
	reason string
}

// annotationWaivers reads the ignore annotations of objects. An ignore
// without a reason waives nothing and is itself a finding.
func annotationWaivers(objects []*manifest.Object) (map[manifest.ObjectRef]objectWaiver, []manifest.Finding) {
	out := map[manifest.ObjectRef]objectWaiver{}
	var findings []manifest.Finding
	for _, obj := range objects {
		a := annotations(obj)
		if a[IgnoreAnnotation] == "" {
			continue
		}
		ref := obj.Ref()
		reason := strings.TrimSpace(a[IgnoreReasonAnnotation])
		if reason == "" {
			findings = append(findings, manifest.Finding{
				Rule:     "config/exception-without-reason",
				Severity: manifest.SeverityWarning,
				Message:  fmt.Sprintf("%s has %s without %s, so it waives nothing", ref, IgnoreAnnotation, IgnoreReasonAnnotation),
				Target:   obj.Origin.Target,
				Object:   &ref,
				File:     obj.Origin.File,
				Line:     obj.Origin.Line,
			})
			continue
		}
		var rules []string
		for r := range strings.SplitSeq(a[IgnoreAnnotation], ",") {
			if r = strings.TrimSpace(r); r != "" {
				rules = append(rules, r)
			}
		}
		out[ref] = objectWaiver{rules: rules, reason: reason}
	}
	return out, findings
}

func annotations(obj *manifest.Object) map[string]string {
	md, _ := obj.Content["metadata"].(map[string]any)
	raw, _ := md["annotations"].(map[string]any)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// SortWaived sorts waived findings in the order of manifest.SortFindings.
func SortWaived(waived []Waived) {
	slices.SortStableFunc(waived, func(a, b Waived) int { return manifest.CompareFindings(a.Finding, b.Finding) })
}
