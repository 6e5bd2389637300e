package syncgate

import (
	"fmt"
	"maps"
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
	if err := checkRulePattern(e.Rule, true); err != nil {
		return fmt.Errorf("exceptions: %w", err)
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
	if family, ok := strings.CutSuffix(pattern, "/*"); ok {
		return strings.HasPrefix(rule, family+"/")
	}
	return pattern == rule
}

// Unwaivable reports whether rule means that a check could not run or was
// cut short: render/* but render/duplicate-object (a finding about what
// rendered, as a schema finding is), config/*, policy/eval-error,
// secrets/scan-error and any resource-limit rule. A repository's
// configuration and annotations can neither waive nor downgrade them; only
// trusted configuration can.
func Unwaivable(rule string) bool {
	family, name, _ := strings.Cut(rule, "/")
	return family == "render" && rule != "render/duplicate-object" || family == "config" ||
		rule == "policy/eval-error" || rule == "secrets/scan-error" || strings.HasSuffix(name, "resource-limit")
}

// dynamicRule reports whether rule is named by the objects checked, so
// that no registry lists it: Gatekeeper constraints.
func dynamicRule(rule string) bool { return strings.HasPrefix(rule, "policy/gatekeeper/") }

// checkRules refuses exceptions and severity overrides that name no rule
// a check can report, and, in repository configuration, those that would
// waive or downgrade a rule meaning a check could not run.
func (c *Config) checkRules(trusted bool, known []string) error {
	for _, e := range c.Exceptions {
		if err := checkRule(e.Rule, trusted, known); err != nil {
			return &manifest.SourceError{File: c.name(), Line: e.line, Err: fmt.Errorf("exceptions: %w", err)}
		}
	}
	for _, rule := range slices.Sorted(maps.Keys(c.Severity)) {
		if err := checkRule(rule, trusted, known); err != nil {
			return &manifest.SourceError{File: c.name(), Line: c.severityLines[rule], Err: fmt.Errorf("severity: %w", err)}
		}
	}
	return nil
}

func checkRule(pattern string, trusted bool, known []string) error {
	matched := slices.DeleteFunc(slices.Clone(known), func(id string) bool { return !ruleMatches(pattern, id) })
	if len(matched) == 0 && !dynamicRule(pattern) {
		return fmt.Errorf("rule %q: no check reports it (see the rules list)", pattern)
	}
	if !trusted && len(matched) > 0 && !slices.ContainsFunc(matched, func(id string) bool { return !Unwaivable(id) }) {
		return fmt.Errorf("rule %q means a check could not run; a repository cannot waive or downgrade it, only trusted configuration can", pattern)
	}
	return nil
}

func globMatches(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, s)
	return ok
}

func orAny(want, got string) bool { return want == "" || want == got }

// Override is a severity override of a configuration, as applied by a
// Check: the rule, its new severity, where it is set, and how many
// findings it changed.
type Override struct {
	Rule     string            `json:"rule"`
	Severity manifest.Severity `json:"severity"`
	By       string            `json:"by"`
	Findings int               `json:"findings"`
}

// waivers applies the configuration's exceptions and severity overrides
// and the objects' ignore annotations to findings. Repository
// configuration (trusted unset) never touches an Unwaivable rule, and
// with repository unset nothing of the repository's applies.
type waivers struct {
	cfg        *Config // nil: none
	trusted    bool
	repository bool // apply the repository's exceptions and annotations
	now        time.Time
	overrides  map[string]*Override
}

func newWaivers(cfg *Config, trusted, repository bool, now time.Time) *waivers {
	if cfg != nil && !trusted && !repository {
		cfg = nil
	}
	return &waivers{cfg: cfg, trusted: trusted, repository: repository, now: now, overrides: map[string]*Override{}}
}

func (w *waivers) exceptions() []Exception {
	if w.cfg == nil {
		return nil
	}
	return w.cfg.Exceptions
}

// expiredFindings reports each expired exception once per Check.
func (w *waivers) expiredFindings() []manifest.Finding {
	var out []manifest.Finding
	for _, e := range w.exceptions() {
		if e.expired(w.now) {
			out = append(out, manifest.Finding{
				Rule:     "config/expired-exception",
				Severity: manifest.SeverityWarning,
				Message:  fmt.Sprintf("the exception for %s expired on %s (reason given: %s); its findings count again", e.Rule, e.Expires, e.Reason),
				File:     w.cfg.name(),
				Line:     e.line,
			})
		}
	}
	return out
}

// ignoredFindings says when the repository's exceptions and severity
// overrides were left out (Options.RepositoryExceptions unset), so that
// nothing is ignored silently.
func ignoredFindings(cfg *Config, trusted, repository bool) []manifest.Finding {
	if cfg == nil || trusted || repository || len(cfg.Exceptions)+len(cfg.Severity) == 0 {
		return nil
	}
	return []manifest.Finding{{
		Rule:     "config/repository-exceptions-ignored",
		Severity: manifest.SeverityInfo,
		Message:  fmt.Sprintf("the repository's %d exceptions and %d severity overrides were not applied: the caller does not take exceptions from the repository", len(cfg.Exceptions), len(cfg.Severity)),
		File:     cfg.name(),
	}}
}

// apply splits findings into those that count and those waived.
func (w *waivers) apply(findings []manifest.Finding, objects []*manifest.Object) (kept []manifest.Finding, waived []Waived) {
	var annotated map[manifest.ObjectRef]objectWaiver
	if w.trusted || w.repository {
		annotated, kept = annotationWaivers(objects)
	}
	for _, f := range findings {
		if w.cfg != nil && (w.trusted || !Unwaivable(f.Rule)) {
			if sev, ok := w.cfg.Severity[f.Rule]; ok {
				f.Severity = sev
				w.overridden(f.Rule, sev)
			}
		}
		if wv, ok := w.waive(f, annotated); ok {
			waived = append(waived, wv)
			continue
		}
		kept = append(kept, f)
	}
	return kept, waived
}

func (w *waivers) overridden(rule string, sev manifest.Severity) {
	o, ok := w.overrides[rule]
	if !ok {
		o = &Override{Rule: rule, Severity: sev, By: w.cfg.location(w.cfg.severityLines[rule])}
		w.overrides[rule] = o
	}
	o.Findings++
}

// applied lists the severity overrides that changed findings, by rule.
func (w *waivers) applied() []Override {
	out := make([]Override, 0, len(w.overrides))
	for _, rule := range slices.Sorted(maps.Keys(w.overrides)) {
		out = append(out, *w.overrides[rule])
	}
	return out
}

func (w *waivers) waive(f manifest.Finding, annotated map[manifest.ObjectRef]objectWaiver) (Waived, bool) {
	if !w.trusted && Unwaivable(f.Rule) {
		return Waived{}, false
	}
	for _, e := range w.exceptions() {
		if !e.expired(w.now) && e.matches(f) {
			return Waived{Finding: f, Reason: e.Reason, By: w.cfg.location(e.line)}, true
		}
	}
	if f.Object == nil || Unwaivable(f.Rule) {
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
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			err := checkRulePattern(r, true)
			if err == nil && Unwaivable(r) {
				err = fmt.Errorf("rule %q means a check could not run, and an annotation cannot waive it", r)
			}
			if err != nil {
				findings = append(findings, manifest.Finding{
					Rule:     "config/invalid-exception",
					Severity: manifest.SeverityError,
					Message:  fmt.Sprintf("%s: %s: %v", ref, IgnoreAnnotation, err),
					Target:   obj.Origin.Target,
					Object:   &ref,
					File:     obj.Origin.File,
					Line:     obj.Origin.Line,
				})
				continue
			}
			rules = append(rules, r)
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

// waiverOnly is obj reduced to what annotation waivers read, its identity
// and syncgate's annotations a: kept until every target is checked, and
// written to the result cache, it holds no other value of the object,
// such as a Secret's data.
func waiverOnly(obj *manifest.Object, a map[string]string) *manifest.Object {
	kept := map[string]any{}
	for _, k := range []string{IgnoreAnnotation, IgnoreReasonAnnotation} {
		if v, ok := a[k]; ok {
			kept[k] = v
		}
	}
	md := map[string]any{"name": obj.Name, "annotations": kept}
	if obj.Namespace != "" {
		md["namespace"] = obj.Namespace
	}
	return manifest.NewObject(map[string]any{"apiVersion": obj.APIVersion, "kind": obj.Kind, "metadata": md}, obj.Origin)
}

// SortWaived sorts waived findings in the order of manifest.SortFindings.
func SortWaived(waived []Waived) {
	slices.SortStableFunc(waived, func(a, b Waived) int { return manifest.CompareFindings(a.Finding, b.Finding) })
}
