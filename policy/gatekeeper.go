package policy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/syncgate/syncgate/manifest"
)

// Gatekeeper, offline: ConstraintTemplates and their Constraints, found
// in the policy directories (.yaml files) or among the rendered objects,
// are evaluated as Gatekeeper's admission webhook would evaluate them for
// a CREATE of each object: input.review holds the object, its kind, name,
// namespace and operation, input.parameters the constraint's parameters,
// and data.inventory every object of the target (as Gatekeeper's
// replicated data, for referential templates). A template's Rego is v0
// unless its code entry says version v1.

const (
	templateGroup   = "templates.gatekeeper.sh"
	constraintGroup = "constraints.gatekeeper.sh"
	gatekeeperRule  = "policy/gatekeeper/"
)

// template is one compiled ConstraintTemplate.
type template struct {
	kind  string // the constraint kind it defines
	query rego.PreparedEvalQuery
}

// constraint is one Constraint: what it matches and how it enforces.
type constraint struct {
	kind, name string
	severity   manifest.Severity
	match      map[string]any
	parameters any
	origin     *manifest.Object
}

// gatekeeper holds the templates and constraints of the policy
// directories, and compiles templates met among rendered objects once.
type gatekeeper struct {
	templates   map[string]*template // by constraint kind
	constraints []constraint
	mu          sync.Mutex
	compiled    map[[32]byte]*template // rendered templates by content hash
}

// loadGatekeeper reads the ConstraintTemplates and Constraints of the
// .yaml files under opts.Dirs; other documents in those files are ignored.
func loadGatekeeper(ctx context.Context, opts Options) (*gatekeeper, error) {
	gk := &gatekeeper{templates: map[string]*template{}, compiled: map[[32]byte]*template{}}
	var objects []*manifest.Object
	err := walkPolicies(opts, func(file string, data []byte) error {
		if strings.HasSuffix(file, ".rego") {
			return nil
		}
		// A policy directory may hold other YAML (conftest data, CI
		// files): only Gatekeeper documents are read from it, but a file
		// that is not YAML at all is an error.
		docs, err := manifest.Decode(file, data, manifest.DefaultLimits())
		if err != nil {
			return err
		}
		for _, doc := range docs {
			if content, ok := doc.Value.(map[string]any); ok {
				if obj := manifest.NewObject(content, manifest.Origin{File: file, Line: doc.Line}); obj.Group() == templateGroup || obj.Group() == constraintGroup {
					objects = append(objects, obj)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, obj := range objects {
		if obj.Group() == templateGroup && obj.Kind == "ConstraintTemplate" {
			t, err := compileTemplate(ctx, obj)
			if err != nil {
				return nil, err
			}
			gk.templates[t.kind] = t
		}
	}
	for _, obj := range objects {
		if obj.Group() == constraintGroup {
			c, err := newConstraint(obj)
			if err != nil {
				return nil, err
			}
			gk.constraints = append(gk.constraints, c)
		}
	}
	return gk, nil
}

// compileTemplate compiles the admission.k8s.gatekeeper.sh target of a
// ConstraintTemplate with its libs, without the refused builtins.
func compileTemplate(ctx context.Context, obj *manifest.Object) (*template, error) {
	fail := func(err error) error {
		return &manifest.SourceError{File: obj.Origin.File, Line: obj.Origin.Line, Err: fmt.Errorf("ConstraintTemplate %s: %w", obj.Name, err)}
	}
	kind, _ := dig(obj.Content, "spec", "crd", "spec", "names", "kind").(string)
	if kind == "" {
		return nil, fail(errors.New("spec.crd.spec.names.kind is not set"))
	}
	src, libs, version, err := templateSource(obj.Content)
	if err != nil {
		return nil, fail(err)
	}
	modules := map[string]*ast.Module{}
	for i, code := range append([]string{src}, libs...) {
		name := fmt.Sprintf("%s:%d#%s/%d", obj.Origin.File, obj.Origin.Line, obj.Name, i)
		m, err := ast.ParseModuleWithOpts(name, code, ast.ParserOptions{RegoVersion: version})
		if err != nil {
			return nil, fail(compileError(err))
		}
		modules[name] = m
	}
	main := modules[fmt.Sprintf("%s:%d#%s/0", obj.Origin.File, obj.Origin.Line, obj.Name)]
	compiler := ast.NewCompiler().WithCapabilities(capabilities()).WithEnablePrintStatements(true)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fail(compileError(compiler.Errors))
	}
	q, err := rego.New(
		rego.Query(main.Package.Path.String()+".violation"),
		rego.Compiler(compiler),
		rego.StrictBuiltinErrors(true),
		rego.EnablePrintStatements(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fail(err)
	}
	return &template{kind: kind, query: q}, nil
}

// templateSource finds the admission target's Rego: the code entry of
// engine Rego (its version v1 or v0), else the rego field (v0).
func templateSource(content map[string]any) (src string, libs []string, version ast.RegoVersion, err error) {
	targets, _ := dig(content, "spec", "targets").([]any)
	for _, t := range targets {
		target, _ := t.(map[string]any)
		if name, _ := target["target"].(string); name != "admission.k8s.gatekeeper.sh" {
			continue
		}
		codes, _ := target["code"].([]any)
		for _, c := range codes {
			code, _ := c.(map[string]any)
			if engine, _ := code["engine"].(string); engine != "Rego" {
				continue
			}
			src, _ = dig(code, "source", "rego").(string)
			libs = manifest.StringList(dig(code, "source", "libs"))
			version = ast.RegoV0
			if v, _ := dig(code, "source", "version").(string); v == "v1" {
				version = ast.RegoV1
			}
			return src, libs, version, nil
		}
		if src, _ = target["rego"].(string); src != "" {
			return src, manifest.StringList(target["libs"]), ast.RegoV0, nil
		}
	}
	return "", nil, 0, errors.New("no Rego for target admission.k8s.gatekeeper.sh")
}

func newConstraint(obj *manifest.Object) (constraint, error) {
	c := constraint{kind: obj.Kind, name: obj.Name, origin: obj, severity: manifest.SeverityError}
	c.match, _ = dig(obj.Content, "spec", "match").(map[string]any)
	c.parameters = dig(obj.Content, "spec", "parameters")
	if c.parameters == nil {
		c.parameters = map[string]any{}
	}
	action, _ := dig(obj.Content, "spec", "enforcementAction").(string)
	sev, ok := actionSeverity(action)
	if action == "scoped" {
		sev, ok = scopedSeverity(dig(obj.Content, "spec", "scopedEnforcementActions"))
	}
	if !ok {
		return c, &manifest.SourceError{File: obj.Origin.File, Line: obj.Origin.Line, Err: fmt.Errorf("%s %s: enforcementAction %q: want deny, warn, dryrun, or scoped with an action for validation.gatekeeper.sh", obj.Kind, obj.Name, action)}
	}
	c.severity = sev
	return c, nil
}

// actionSeverity maps an enforcementAction to the severity of its
// findings: deny (the default) blocks, warn warns, dryrun informs.
func actionSeverity(action string) (manifest.Severity, bool) {
	switch action {
	case "", "deny":
		return manifest.SeverityError, true
	case "warn":
		return manifest.SeverityWarning, true
	case "dryrun":
		return manifest.SeverityInfo, true
	}
	return "", false
}

// scopedSeverity is the strongest action scopedEnforcementActions give
// the admission webhook (enforcement point validation.gatekeeper.sh, or
// *), the one syncgate stands in for.
func scopedSeverity(v any) (manifest.Severity, bool) {
	var best manifest.Severity
	scoped, _ := v.([]any)
	for _, s := range scoped {
		entry, _ := s.(map[string]any)
		action, _ := entry["action"].(string)
		sev, ok := actionSeverity(action)
		if !ok || action == "" {
			continue
		}
		points, _ := entry["enforcementPoints"].([]any)
		for _, p := range points {
			name, _ := dig(p, "name").(string)
			if (name == "validation.gatekeeper.sh" || name == "*") && sev.Rank() > best.Rank() {
				best = sev
			}
		}
	}
	return best, best != ""
}

// gatekeeperRun is what the Gatekeeper constraints need for one target.
type gatekeeperRun struct {
	templates   map[string]*template
	constraints []constraint
	namespaces  map[string]map[string]any // labels of the target's Namespaces
	inventory   rego.EvalOption
	errs        []manifest.Finding // templates or constraints that failed
}

// forTarget adds the templates and constraints among objects to those of
// the policy directories, compiling rendered templates once.
func (gk *gatekeeper) forTarget(ctx context.Context, objects []*manifest.Object) *gatekeeperRun {
	run := &gatekeeperRun{templates: maps.Clone(gk.templates), constraints: slices.Clone(gk.constraints), namespaces: map[string]map[string]any{}}
	inventory := map[string]any{"cluster": map[string]any{}, "namespace": map[string]any{}}
	for _, obj := range objects {
		if obj.Kind == "Namespace" && obj.APIVersion == "v1" {
			labels, _ := dig(obj.Content, "metadata", "labels").(map[string]any)
			run.namespaces[obj.Name] = labels
		}
		tree := inventory["cluster"].(map[string]any)
		if obj.Namespace != "" {
			tree = child(inventory["namespace"].(map[string]any), obj.Namespace)
		}
		child(child(tree, obj.APIVersion), obj.Kind)[obj.Name] = obj.Content
		if obj.Group() == templateGroup && obj.Kind == "ConstraintTemplate" {
			t, err := gk.compileRendered(ctx, obj)
			if err != nil {
				run.errs = append(run.errs, finding(obj, RuleEvalError, manifest.SeverityError, err.Error()))
				continue
			}
			run.templates[t.kind] = t
		}
	}
	for _, obj := range objects {
		if obj.Group() != constraintGroup {
			continue
		}
		c, err := newConstraint(obj)
		if err != nil {
			run.errs = append(run.errs, finding(obj, RuleEvalError, manifest.SeverityError, err.Error()))
			continue
		}
		run.constraints = append(run.constraints, c)
	}
	for _, c := range run.constraints {
		if run.templates[c.kind] == nil {
			run.errs = append(run.errs, finding(c.origin, RuleEvalError, manifest.SeverityError, fmt.Sprintf("%s %s: no ConstraintTemplate defines kind %s", c.kind, c.name, c.kind)))
		}
	}
	if len(run.constraints) == 0 {
		return run // nothing reads the inventory: skip converting every object
	}
	value, err := ast.InterfaceToValue(inventory)
	if err != nil {
		value = ast.NewObject()
	}
	run.inventory = rego.EvalResolver(inventoryRef, constant{value})
	return run
}

var inventoryRef = ast.MustParseRef("data.inventory")

func (gk *gatekeeper) compileRendered(ctx context.Context, obj *manifest.Object) (*template, error) {
	// fmt prints maps sorted by key: equal specs give equal keys.
	key := sha256.Sum256([]byte(fmt.Sprint(obj.Content["spec"])))
	gk.mu.Lock()
	defer gk.mu.Unlock()
	if t, ok := gk.compiled[key]; ok {
		return t, nil
	}
	t, err := compileTemplate(ctx, obj)
	if err != nil {
		return nil, err
	}
	gk.compiled[key] = t
	return t, nil
}

// evaluate runs every constraint that matches obj.
func (run *gatekeeperRun) evaluate(ctx context.Context, e *Engine, obj *manifest.Object, secrets *targetSecrets) []manifest.Finding {
	var findings []manifest.Finding
	var review ast.Value
	for _, c := range run.constraints {
		t := run.templates[c.kind]
		if t == nil || !run.matches(c, obj) {
			continue
		}
		if review == nil {
			var err error
			if review, err = ast.InterfaceToValue(map[string]any{
				"kind":      map[string]any{"group": obj.Group(), "version": obj.Version(), "kind": obj.Kind},
				"name":      obj.Name,
				"namespace": obj.Namespace,
				"operation": "CREATE",
				"object":    obj.Content,
			}); err != nil {
				return []manifest.Finding{finding(obj, RuleEvalError, manifest.SeverityError, "review: "+err.Error())}
			}
		}
		params, err := ast.InterfaceToValue(c.parameters)
		if err != nil {
			findings = append(findings, finding(obj, RuleEvalError, manifest.SeverityError, fmt.Sprintf("%s %s: parameters: %v", c.kind, c.name, err)))
			continue
		}
		input := ast.NewObject(
			ast.Item(ast.StringTerm("review"), ast.NewTerm(review)),
			ast.Item(ast.StringTerm("parameters"), ast.NewTerm(params)),
		)
		findings = append(findings, e.evaluateConstraint(ctx, t, c, obj, input, run.inventory, secrets)...)
	}
	return findings
}

func (e *Engine) evaluateConstraint(ctx context.Context, t *template, c constraint, obj *manifest.Object, input ast.Value, inventory rego.EvalOption, secrets *targetSecrets) []manifest.Finding {
	rs, err := e.eval(ctx, t.query, rego.EvalParsedInput(input), inventory, rego.EvalPrintHook(printer{e.opts.Logger, obj, secrets}))
	if err != nil {
		return []manifest.Finding{finding(obj, RuleEvalError, manifest.SeverityError, fmt.Sprintf("%s %s: %v", c.kind, c.name, err))}
	}
	var findings []manifest.Finding
	for _, r := range rs {
		for _, ex := range r.Expressions {
			violations, _ := ex.Value.([]any)
			for _, v := range violations {
				findings = append(findings, finding(obj, gatekeeperRule+c.kind+"/"+c.name, c.severity, message(v)))
			}
		}
	}
	slices.SortFunc(findings, func(a, b manifest.Finding) int { return strings.Compare(a.Message, b.Message) })
	return findings
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}
