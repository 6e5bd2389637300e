package policy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/syncgate/syncgate/manifest"
)

// RuleEvalError is the rule of findings about a check that could not be
// evaluated (a builtin error, the deadline, the memory limit, a template
// that does not compile, a constraint without its template): it blocks.
const RuleEvalError = "policy/eval-error"

// EvalErrorRule describes RuleEvalError, which every Engine may report.
var EvalErrorRule = Rule{
	ID:          RuleEvalError,
	Title:       "A policy check could not be evaluated",
	Description: "A Rego rule or Gatekeeper constraint failed while checking the object (a builtin error, the time or memory limit, a template that does not compile, a constraint whose template is missing); a failing check blocks instead of passing silently.",
	Severity:    manifest.SeverityError,
	Remediation: "Fix the policy named in the message, or the object it could not handle.",
}

// Rules lists the rules of this stage whatever the policies: RuleEvalError
// and the bundled library's checks, sorted by ID. Engine.Rules lists the
// user's annotated rules too.
func Rules() []Rule {
	return slices.Clone(stageRules())
}

var stageRules = sync.OnceValue(func() []Rule {
	e, err := Load(context.Background(), Options{Bundled: true})
	if err != nil {
		// The library is embedded and its tests compile it.
		panic(fmt.Sprintf("policy: bundled library: %v", err))
	}
	rules := append(e.Rules(), EvalErrorRule)
	slices.SortFunc(rules, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return rules
})

// Rule describes a rule from its # METADATA annotation.
type Rule struct {
	// ID is custom.id: the rule ID findings carry.
	ID string
	// Package is the Rego package, such as syncgate.checks.host_network.
	Package string
	// Title and Description are the annotation's.
	Title       string
	Description string
	// Severity is custom.severity, or empty to take the rule name's.
	Severity manifest.Severity
	// Remediation is custom.remediation: how to fix what the rule finds.
	Remediation string
}

// ruleMeta reads the rule annotations of compiled modules, keyed by the
// annotated path: data.<package> for a package's, data.<package>.<rule>
// for a rule's. A custom.severity other than error, warning or info is an
// error naming the file and line.
func ruleMeta(compiler *ast.Compiler) (map[string]Rule, error) {
	rules := map[string]Rule{}
	for _, ref := range compiler.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a.Scope == "subpackages" {
			continue
		}
		r := Rule{
			Package:     strings.TrimPrefix(ref.GetPackage().Path.String(), "data."),
			Title:       a.Title,
			Description: strings.TrimSpace(a.Description),
		}
		r.ID, _ = a.Custom["id"].(string)
		r.Remediation, _ = a.Custom["remediation"].(string)
		r.Remediation = strings.TrimSpace(r.Remediation)
		if sev, ok := a.Custom["severity"]; ok {
			s, _ := sev.(string)
			parsed, err := manifest.ParseSeverity(s)
			if err != nil {
				return nil, &manifest.SourceError{File: a.Location.File, Line: a.Location.Row, Err: fmt.Errorf("METADATA custom.severity: %w", err)}
			}
			r.Severity = parsed
		}
		rules[ref.Path.String()] = r
	}
	return rules, nil
}

// meta returns the annotation of rule in package ns: the rule's own, else
// its package's.
func (e *Engine) meta(ns, rule string) (Rule, bool) {
	if r, ok := e.rules["data."+ns+"."+rule]; ok {
		return r, true
	}
	r, ok := e.rules["data."+ns]
	return r, ok
}

// ruleIDs lists the IDs of the rules that evaluating namespaces (and the
// bundled library, when on) can report, sorted: each deny, violation or
// warn rule's custom.id, else policy/<package>/<rule>.
func (e *Engine) ruleIDs(modules map[string]*ast.Module, namespaces []string) []string {
	ids := []string{RuleEvalError}
	for _, m := range modules {
		ns := strings.TrimPrefix(m.Package.Path.String(), "data.")
		bundledNS := strings.HasPrefix(ns, bundledPrefix+".") || strings.HasPrefix(ns, bundledChangesPrefix+".")
		if !slices.Contains(namespaces, ns) && !(e.opts.Bundled && bundledNS) {
			continue
		}
		for _, r := range m.Rules {
			name := ruleHeadName(r)
			if _, ok := ruleSeverity(name); !ok {
				continue
			}
			id := "policy/" + ns + "/" + name
			if meta, ok := e.meta(ns, name); ok && meta.ID != "" {
				id = meta.ID
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// RuleIDs lists every rule ID the Engine can report, sorted, but those of
// Gatekeeper constraints, which are named by the objects checked
// (policy/gatekeeper/<kind>/<name>).
func (e *Engine) RuleIDs() []string { return slices.Clone(e.ids) }

// Rules lists the annotated rules and packages with an ID, sorted by ID:
// the bundled library's checks and any user rule that names its ID.
func (e *Engine) Rules() []Rule {
	var rules []Rule
	for _, r := range e.rules {
		if r.ID != "" {
			rules = append(rules, r)
		}
	}
	slices.SortFunc(rules, func(a, b Rule) int { return cmp.Or(strings.Compare(a.ID, b.ID), strings.Compare(a.Package, b.Package)) })
	return slices.CompactFunc(rules, func(a, b Rule) bool { return a.ID == b.ID && a.Package == b.Package })
}
