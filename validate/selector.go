package validate

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// selectorKinds are the built-in kinds whose selector the API server
// checks against their pod template's labels, with whether the selector
// is a plain map (ReplicationController) rather than a label selector.
var selectorKinds = map[gvkKind]bool{
	{"apps", "Deployment"}:        false,
	{"apps", "ReplicaSet"}:        false,
	{"apps", "StatefulSet"}:       false,
	{"apps", "DaemonSet"}:         false,
	{"batch", "Job"}:              false,
	{"", "ReplicationController"}: true,
}

// selectorFindings reports a workload whose selector does not select its
// own pod template, as ValidatePodTemplateSpecForReplicaSet and its
// siblings in k8s.io/kubernetes pkg/apis/{apps,batch,core}/validation do.
// A missing selector is the schema's to report (or the server's to
// generate: Jobs, ReplicationControllers); one that does not parse, the
// label checks'.
func selectorFindings(obj *manifest.Object) []manifest.Finding {
	plain, ok := selectorKinds[gvkKind{obj.Group(), obj.Kind}]
	if !ok {
		return nil
	}
	raw, ok := mapAt(obj.Content, "spec", "selector")
	if !ok {
		return nil
	}
	template := map[string]string{}
	if m, ok := mapAt(obj.Content, "spec", "template", "metadata", "labels"); ok {
		if template, ok = stringMap(m); !ok {
			return nil
		}
	}
	if matches, ok := selectorMatches(raw, plain, template); !ok || matches {
		return nil
	}
	p := field.NewPath("spec", "template", "metadata", "labels")
	return fieldFindings(obj, RuleSelector, field.ErrorList{field.Invalid(p, template, "`selector` does not match template `labels`")})
}

// selectorMatches reports whether a selector selects the template's
// labels; ok is false for an empty selector or one that does not convert.
func selectorMatches(raw map[string]any, plain bool, template map[string]string) (matches, ok bool) {
	if plain {
		m, ok := stringMap(raw)
		if !ok || len(m) == 0 {
			return false, false
		}
		return labels.SelectorFromSet(m).Matches(labels.Set(template)), true
	}
	ls, ok := labelSelectorOf(raw)
	if !ok || len(ls.MatchLabels)+len(ls.MatchExpressions) == 0 {
		return false, false
	}
	if validSelector(ls) {
		return selects(ls, template), true
	}
	selector, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return false, false
	}
	return selector.Matches(labels.Set(template)), true
}
