package validate

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// referenceFindings checks the references to other objects that the API
// server validates beyond the schema: a HorizontalPodAutoscaler's
// scaleTargetRef (ValidateCrossVersionObjectReference: its apiVersion
// names a group, but for a ReplicationController) and a RoleBinding's or
// ClusterRoleBinding's roleRef (a Role or ClusterRole). A reference that is missing altogether is
// defaulted to an empty one, whose kind and name the server then reports;
// the schema reports the missing reference itself. Whether the object
// referred to exists depends on the cluster and is not checked.
func referenceFindings(obj *manifest.Object) []manifest.Finding {
	var errs field.ErrorList
	switch (gvkKind{obj.Group(), obj.Kind}) {
	case gvkKind{"autoscaling", "HorizontalPodAutoscaler"}:
		p := field.NewPath("spec", "scaleTargetRef")
		ref, ok := mapAt(obj.Content, "spec", "scaleTargetRef")
		if !ok {
			errs = append(errs, field.Required(p.Child("kind"), ""), field.Required(p.Child("name"), ""))
		}
		// ReplicationControllers, the only core kind that scales, may
		// name the core group.
		if apiVersion, isString := ref["apiVersion"].(string); (isString || !ok) && ref["kind"] != "ReplicationController" {
			if gv, err := schema.ParseGroupVersion(apiVersion); err != nil {
				errs = append(errs, field.Invalid(p.Child("apiVersion"), apiVersion, err.Error()))
			} else if gv.Group == "" {
				errs = append(errs, field.Invalid(p.Child("apiVersion"), apiVersion, "apiVersion must specify API group"))
			}
		}
	case gvkKind{"rbac.authorization.k8s.io", "RoleBinding"}, gvkKind{"rbac.authorization.k8s.io", "ClusterRoleBinding"}:
		p := field.NewPath("roleRef")
		ref, ok := obj.Content["roleRef"].(map[string]any)
		kinds := []string{"Role", "ClusterRole"}
		if obj.Kind == "ClusterRoleBinding" {
			kinds = []string{"ClusterRole"}
		}
		kind, isString := ref["kind"].(string)
		if isString || !ok {
			found := false
			for _, k := range kinds {
				found = found || k == kind
			}
			if !found {
				errs = append(errs, field.NotSupported(p.Child("kind"), kind, kinds))
			}
		}
		if !ok {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
	}
	return fieldFindings(obj, RuleReference, errs)
}
