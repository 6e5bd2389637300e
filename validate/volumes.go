package validate

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// volumeFindings checks a pod spec's volumes and the volume mounts of its
// containers and init containers as the API server's ValidateVolumes and
// ValidateVolumeMounts do: volume names are unique DNS labels, and a mount
// names a volume of the pod (a volume with an invalid name does not count,
// as on the server). Duplicate volumes of a built-in kind are reported by
// the list-map key check. A StatefulSet's volumeClaimTemplates (and those
// of any workload shaped like one) are volumes of its pods too, as the
// server adds them before it validates the template.
func volumeFindings(obj *manifest.Object, ps podSpec, builtin bool) []manifest.Finding {
	var errs field.ErrorList
	volumes := map[string]bool{}
	spec, _ := obj.Content["spec"].(map[string]any)
	for _, claim := range items(spec["volumeClaimTemplates"]) {
		if md, ok := claim.m["metadata"].(map[string]any); ok {
			if name, ok := md["name"].(string); ok && name != "" {
				volumes[name] = true
			}
		}
	}
	for _, vol := range items(ps.spec["volumes"]) {
		p := ps.path.Child("volumes").Index(vol.i).Child("name")
		name, _ := vol.m["name"].(string)
		if vol.m["name"] == nil {
			continue // the schema requires it
		}
		var el field.ErrorList
		if name == "" {
			el = append(el, field.Required(p, ""))
		} else {
			el = append(el, dnsLabel(name, p)...)
		}
		if volumes[name] && !builtin {
			el = append(el, field.Duplicate(p, name))
		}
		if len(el) == 0 {
			volumes[name] = true
		}
		errs = append(errs, el...)
	}
	for _, list := range containerLists {
		for _, c := range items(ps.spec[list]) {
			for _, mount := range items(c.m["volumeMounts"]) {
				p := ps.path.Child(list).Index(c.i).Child("volumeMounts").Index(mount.i).Child("name")
				name, isString := mount.m["name"].(string)
				if !isString {
					continue // missing or not a string: the schema's
				}
				if name == "" {
					errs = append(errs, field.Required(p, ""))
				}
				if !volumes[name] {
					errs = append(errs, field.NotFound(p, name))
				}
			}
		}
	}
	return fieldFindings(obj, RuleVolume, errs)
}
