package validate

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
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
	var selector labels.Selector
	if plain {
		m, ok := stringMap(raw)
		if !ok || len(m) == 0 {
			return nil
		}
		selector = labels.SelectorFromSet(m)
	} else {
		var ls metav1.LabelSelector
		if runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls) != nil {
			return nil
		}
		var err error
		if selector, err = metav1.LabelSelectorAsSelector(&ls); err != nil || selector.Empty() {
			return nil
		}
	}
	template := map[string]string{}
	if m, ok := mapAt(obj.Content, "spec", "template", "metadata", "labels"); ok {
		if template, ok = stringMap(m); !ok {
			return nil
		}
	}
	if selector.Matches(labels.Set(template)) {
		return nil
	}
	p := field.NewPath("spec", "template", "metadata", "labels")
	return fieldFindings(obj, RuleSelector, field.ErrorList{field.Invalid(p, template, "`selector` does not match template `labels`")})
}
