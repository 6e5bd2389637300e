package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// claimFindings reports a PersistentVolumeClaim, or a StatefulSet's
// volume claim template, without access modes, which
// ValidatePersistentVolumeClaimSpec requires though the schema does not.
func claimFindings(obj *manifest.Object) []manifest.Finding {
	var errs field.ErrorList
	switch (gvkKind{obj.Group(), obj.Kind}) {
	case gvkKind{"", "PersistentVolumeClaim"}:
		spec, _ := obj.Content["spec"].(map[string]any)
		errs = append(errs, accessModes(spec, field.NewPath("spec"))...)
	case gvkKind{"apps", "StatefulSet"}:
		spec, _ := obj.Content["spec"].(map[string]any)
		for _, t := range items(spec["volumeClaimTemplates"]) {
			claim, _ := t.m["spec"].(map[string]any)
			errs = append(errs, accessModes(claim, field.NewPath("spec", "volumeClaimTemplates").Index(t.i).Child("spec"))...)
		}
	}
	return fieldFindings(obj, RuleVolume, errs)
}

// accessModes reports a claim spec without access modes.
func accessModes(spec map[string]any, p *field.Path) field.ErrorList {
	if modes, _ := spec["accessModes"].([]any); len(modes) == 0 {
		return field.ErrorList{field.Required(p.Child("accessModes"), "at least 1 access mode is required")}
	}
	return nil
}
