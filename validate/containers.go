package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// containerFindings checks the containers and init containers of a pod
// spec as the API server's validateContainerCommon and
// validateInitContainers do: a DNS-label name, an image, and names unique
// across both lists. A missing name is the schema's to report for
// built-in kinds and a controller's to fill in for custom ones (Knative
// names its container); duplicates within one list of a built-in kind are
// reported by the list-map key check.
func containerFindings(obj *manifest.Object, ps podSpec, builtin bool) []manifest.Finding {
	var errs field.ErrorList
	all := map[string]bool{}
	for _, list := range containerLists {
		inList := map[string]bool{}
		for _, c := range items(ps.spec[list]) {
			p := ps.path.Child(list).Index(c.i)
			name, _ := c.m["name"].(string)
			switch {
			case c.m["name"] == nil:
			case name == "":
				errs = append(errs, field.Required(p.Child("name"), ""))
			default:
				errs = append(errs, dnsLabel(name, p.Child("name"))...)
			}
			if image, isString := c.m["image"].(string); c.m["image"] == nil || isString && image == "" {
				errs = append(errs, field.Required(p.Child("image"), ""))
			}
			if name == "" {
				continue
			}
			if all[name] && (!inList[name] || !builtin) {
				errs = append(errs, field.Duplicate(p.Child("name"), name))
			}
			all[name], inList[name] = true, true
		}
	}
	return fieldFindings(obj, RuleContainer, errs)
}
