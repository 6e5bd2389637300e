package validate

import (
	"context"
	"slices"

	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"github.com/syncgate/syncgate/manifest"
)

// Transition evaluates the CEL rules of a custom object's CRD as the API
// server does on an update from old to new, and returns what only the
// update breaks: the transition rules, those that use oldSelf. Rules that
// hold or fail without old are Validate's. The findings carry rule
// RuleCEL; nil when new is no custom object with rules.
func (v *Validator) Transition(ctx context.Context, old, new *manifest.Object) (findings []manifest.Finding) {
	defer func() {
		if r := recover(); r != nil {
			findings = []manifest.Finding{finding(new, RuleSchemaError, "", internalErrorMessage)}
		}
	}()
	if gvkOf(old) != gvkOf(new) {
		return nil
	}
	m, err := v.crdKind(gvkOf(new), new.Origin.Target)
	if err != nil || m == nil || m.kind.cel == nil {
		return nil
	}
	prepare := func(obj *manifest.Object) map[string]any {
		content := runtime.DeepCopyJSON(withoutSOPS(obj.Content))
		defaulting.Default(content, m.kind.structural)
		return content
	}
	oldContent, newContent := prepare(old), prepare(new)
	alone, _ := m.kind.cel.Validate(ctx, nil, m.kind.structural, newContent, nil, celconfig.RuntimeCELCostBudget)
	update, _ := m.kind.cel.Validate(ctx, nil, m.kind.structural, newContent, oldContent, celconfig.RuntimeCELCostBudget)
	for _, e := range update {
		f := finding(new, RuleCEL, fieldOf(e.Field), fieldErrorMessage(e))
		if !slices.ContainsFunc(alone, func(a *field.Error) bool { return a.Field == e.Field && fieldErrorMessage(a) == f.Message }) {
			findings = append(findings, f)
		}
	}
	return findings
}
