package policy

import (
	"context"
	"fmt"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/syncgate/syncgate/internal/parallel"
	"github.com/syncgate/syncgate/manifest"
)

// ChangePackage is the package of the user's change policies. Its rules
// follow the conftest conventions (deny, violation, warn and their _*
// forms, exception), but input is one object's change rather than one
// object:
//
//	input.operation  "CREATE", "UPDATE" or "DELETE"
//	input.old        the object before the change; null for CREATE
//	input.new        the object after the change; null for DELETE
//	input.target     the name of the render target the object belongs to
//
// The package is never evaluated on single objects, whatever
// Options.Namespaces or AllNamespaces say.
const ChangePackage = "change"

// bundledChangesPrefix is the package under which the bundled change
// policies live, each in a package of its own, as the bundled checks do.
const bundledChangesPrefix = "syncgate.changes"

// Operation is what a change does to an object, as an admission review
// names it.
type Operation string

// The operations.
const (
	Create Operation = "CREATE"
	Update Operation = "UPDATE"
	Delete Operation = "DELETE"
)

// Change is one object's change, the input of a change policy.
type Change struct {
	// Operation is CREATE, UPDATE or DELETE.
	Operation Operation
	// Target is the render target the object belongs to.
	Target string
	// Old is the object before the change, nil for CREATE; New is the
	// object after it, nil for DELETE.
	Old, New *manifest.Object
}

// prepareChanges prepares the change package, when a policy file has it,
// and the bundled change policies, when the library is on.
func (e *Engine) prepareChanges(ctx context.Context, compiler *ast.Compiler, modules map[string]*ast.Module) error {
	want := ast.MustParseRef("data." + ChangePackage)
	for _, m := range modules {
		if !m.Package.Path.Equal(want) {
			continue
		}
		q, err := prepareQuery(ctx, compiler, ChangePackage, false)
		if err != nil {
			return err
		}
		e.changes = append(e.changes, q)
		break
	}
	if e.opts.Bundled {
		q, err := prepareQuery(ctx, compiler, bundledChangesPrefix, true)
		if err != nil {
			return err
		}
		e.changes = append(e.changes, q)
	}
	return nil
}

// EvaluateChanges runs the change policies against each change and
// returns their findings, on the object after the change (before it, for
// a DELETE), with a policy/eval-error finding wherever evaluation failed.
// Changes are evaluated in parallel; findings come in change order. No
// message shows a Secret's value, of either side.
func (e *Engine) EvaluateChanges(ctx context.Context, changes []Change) []manifest.Finding {
	if len(e.changes) == 0 {
		return nil
	}
	results := make([][]manifest.Finding, len(changes))
	parallel.Do(len(changes), e.opts.Jobs, func(i int) {
		results[i] = e.evaluateChange(ctx, changes[i])
	})
	return slices.Concat(results...)
}

func (e *Engine) evaluateChange(ctx context.Context, c Change) []manifest.Finding {
	obj := c.New
	if obj == nil {
		obj = c.Old
	}
	if obj == nil {
		return nil
	}
	var objects []*manifest.Object
	input := map[string]any{"operation": string(c.Operation), "target": c.Target, "old": nil, "new": nil}
	if c.Old != nil {
		input["old"] = c.Old.Content
		objects = append(objects, c.Old)
	}
	if c.New != nil {
		input["new"] = c.New.Content
		objects = append(objects, c.New)
	}
	secrets := &targetSecrets{objects: objects}
	var findings []manifest.Finding
	value, err := ast.InterfaceToValue(input)
	if err != nil {
		// Decoded YAML always converts: block rather than pass silently.
		findings = append(findings, finding(obj, RuleEvalError, manifest.SeverityError, "change policies: "+err.Error()))
	}
	for _, q := range e.changes {
		if err != nil {
			break
		}
		rs, evalErr := e.eval(ctx, q.query, rego.EvalParsedInput(value), rego.EvalPrintHook(printer{e.opts.Logger, obj, secrets}))
		if evalErr != nil {
			findings = append(findings, finding(obj, RuleEvalError, manifest.SeverityError, fmt.Sprintf("policy package %s: %v", q.namespace, evalErr)))
			continue
		}
		findings = append(findings, e.resultFindings(q, rs, obj)...)
	}
	for i := range findings {
		findings[i].Target = c.Target
		findings[i].Message = secrets.Redact(findings[i].Message)
	}
	return findings
}
