package validate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apimachinery/pkg/runtime"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"github.com/syncgate/syncgate/manifest"
)

// checkCustom validates a custom object as the API server's custom
// resource strategy does: the schema, the metadata, list-type invariants,
// then the CEL rules unless the object already has the wrong shape.
func checkCustom(ctx context.Context, obj *manifest.Object, content map[string]any, m *crdMatch) []manifest.Finding {
	sch, err := m.set.schema(m.kind)
	if err != nil {
		return []manifest.Finding{finding(obj, RuleSchemaError, "", fmt.Sprintf("schema of CRD %s: %v", m.kind.crd, err))}
	}
	content = decodedAsServer(content, m.kind)
	findings := sch.validate(obj, content)
	findings = append(findings, metadataFindings(obj, "")...)
	if m.kind.structural == nil {
		return findings
	}
	for _, e := range listtype.ValidateListSetsAndMaps(nil, m.kind.structural, content) {
		findings = append(findings, finding(obj, RuleDuplicateKey, fieldOf(e.Field), duplicateMessage(e.BadValue)))
	}
	// As the server does, rules are not evaluated on an object with
	// errors that would make them fail for the wrong reason.
	if m.kind.cel == nil || hasRule(findings, RuleType, RuleRequired, RuleEnum, RuleInvalid) {
		return findings
	}
	errs, _ := m.kind.cel.Validate(ctx, nil, m.kind.structural, content, nil, celconfig.RuntimeCELCostBudget)
	for _, e := range errs {
		findings = append(findings, finding(obj, RuleCEL, fieldOf(e.Field), fieldErrorMessage(e)))
	}
	return findings
}

// decodedAsServer returns content as the server sees it once decoded: it
// drops the nulls the kind's schema does not allow and applies the
// schema's defaults, before any check. It changes a copy.
func decodedAsServer(content map[string]any, k *crdKind) map[string]any {
	if k.structural == nil {
		return content
	}
	content = runtime.DeepCopyJSON(content)
	defaulting.PruneNonNullableNullsWithoutDefaults(content, k.structural)
	defaulting.Default(content, k.structural)
	return content
}

func hasRule(findings []manifest.Finding, rules ...string) bool {
	for _, f := range findings {
		if slices.Contains(rules, f.Rule) {
			return true
		}
	}
	return false
}

// duplicateMessage words a duplicate list-map key as the API server does,
// quoting a scalar key.
func duplicateMessage(key any) string {
	switch k := key.(type) {
	case string:
		return fmt.Sprintf("Duplicate value: %q", k)
	case int64, float64, bool:
		return fmt.Sprintf("Duplicate value: %v", k)
	case map[string]any:
		parts := make([]string, 0, len(k))
		for _, name := range sortedKeys(k) {
			parts = append(parts, name+"="+scalarText(k[name]))
		}
		return "Duplicate value: " + strings.Join(parts, ", ")
	}
	return "Duplicate value"
}
