package validate

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/syncgate/syncgate/manifest"
)

// resourceFindings checks the resources of every container and init
// container as ValidateContainerResourceRequirements does: resource names
// a container may ask for (cpu, memory, ephemeral-storage, hugepages-*, or
// a domain-qualified extended resource), quantities not negative (whole
// for extended resources), requests no larger than limits, and extended
// resources, which cannot be overcommitted, requested exactly at their
// limit, and resource claims named once each and among the pod's
// resourceClaims. A quantity that does not parse is schema/quantity's.
func resourceFindings(obj *manifest.Object, ps podSpec) []manifest.Finding {
	var errs field.ErrorList
	podClaims := map[string]bool{}
	for _, c := range items(ps.spec["resourceClaims"]) {
		if name := stringOf(c.m["name"]); name != "" {
			podClaims[name] = true
		}
	}
	for _, list := range containerLists {
		for _, c := range items(ps.spec[list]) {
			res, ok := c.m["resources"].(map[string]any)
			if !ok {
				continue
			}
			rp := ps.path.Child(list).Index(c.i).Child("resources")
			errs = append(errs, resourceRequirements(res, rp)...)
			errs = append(errs, resourceClaims(res, podClaims, rp.Child("claims"))...)
		}
	}
	return fieldFindings(obj, RuleResources, errs)
}

// resourceRequirements checks one container's requests and limits.
func resourceRequirements(res map[string]any, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	limPath, reqPath := p.Child("limits"), p.Child("requests")
	limits := quantities(res["limits"])
	requests := quantities(res["requests"])
	for _, name := range sortedKeys(limits) {
		errs = append(errs, containerResource(name, limits[name], limPath.Key(name))...)
	}
	for _, name := range sortedKeys(requests) {
		q := requests[name]
		errs = append(errs, containerResource(name, q, reqPath.Key(name))...)
		limit, hasLimit := limits[name]
		overcommit := nativeResource(name) && !strings.HasPrefix(name, "hugepages-")
		switch {
		case hasLimit && !overcommit && q.Cmp(limit) != 0:
			errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
		case hasLimit && q.Cmp(limit) > 0:
			errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		case !hasLimit && !overcommit:
			errs = append(errs, field.Required(limPath, "Limit must be set for non overcommitable resources"))
		}
	}
	return errs
}

// quantities returns the entries of a requests or limits map that parse;
// numbers count as the quantities they write.
func quantities(v any) map[string]resource.Quantity {
	m, _ := v.(map[string]any)
	out := make(map[string]resource.Quantity, len(m))
	for name, raw := range m {
		var s string
		switch x := raw.(type) {
		case string:
			s = x
		case int64, float64:
			s = fmt.Sprint(x)
		default:
			continue
		}
		if q, err := resource.ParseQuantity(s); err == nil {
			out[name] = q
		}
	}
	return out
}

// containerResource checks a resource's name and quantity, as
// ValidateContainerResourceName and ValidateResourceQuantityValue do.
func containerResource(name string, q resource.Quantity, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !labelKey(name) {
		for _, msg := range validation.IsQualifiedName(name) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
	}
	if len(errs) == 0 {
		switch {
		case strings.Contains(name, "/"):
			if !nativeResource(name) && !extendedResource(name) {
				errs = append(errs, field.Invalid(p, name, "doesn't follow extended resource name standard"))
			}
		case !containerResourceNames[name] && !strings.HasPrefix(name, "hugepages-"):
			if !standardResourceNames[name] {
				errs = append(errs, field.Invalid(p, name, "must be a standard resource type or fully qualified"))
			}
			errs = append(errs, field.Invalid(p, name, "must be a standard resource for containers"))
		}
	}
	if q.Sign() < 0 {
		errs = append(errs, field.Invalid(p, q.String(), "must be greater than or equal to 0"))
	}
	if extendedResource(name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(p, q.String(), "must be an integer"))
	}
	return errs
}

// containerResourceNames are the unqualified resources a container may
// request, besides hugepages-<size>.
var containerResourceNames = map[string]bool{"cpu": true, "memory": true, "ephemeral-storage": true}

// standardResourceNames are the unqualified resource names Kubernetes
// knows at all (quota names among them), for the first of the two errors
// an unknown name gets.
var standardResourceNames = map[string]bool{
	"cpu": true, "memory": true, "ephemeral-storage": true, "requests.cpu": true, "requests.memory": true,
	"requests.ephemeral-storage": true, "limits.cpu": true, "limits.memory": true, "limits.ephemeral-storage": true,
	"pods": true, "resourcequotas": true, "services": true, "replicationcontrollers": true, "secrets": true,
	"configmaps": true, "persistentvolumeclaims": true, "storage": true, "requests.storage": true,
	"services.nodeports": true, "services.loadbalancers": true,
}

// nativeResource reports a resource of Kubernetes' own: unqualified, or
// in a kubernetes.io domain.
func nativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, "kubernetes.io/")
}

// extendedResource reports a domain-qualified resource outside Kubernetes'
// own domains (nvidia.com/gpu), which is counted in whole units.
func extendedResource(name string) bool {
	if nativeResource(name) || strings.HasPrefix(name, "requests.") {
		return false
	}
	return labelKey("requests." + name)
}

// resourceClaims checks a container's resource claims as
// validateResourceClaimNames does: each names a claim of the pod, once
// (a claim, or one request of it).
func resourceClaims(res map[string]any, podClaims map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for _, c := range items(res["claims"]) {
		name, request := stringOf(c.m["name"]), stringOf(c.m["request"])
		cp := p.Index(c.i)
		if name == "" {
			errs = append(errs, field.Required(cp, ""))
			continue
		}
		key := name
		if request != "" {
			key += "/" + request
		}
		if seen[name] || seen[key] {
			errs = append(errs, field.Duplicate(cp, key))
		}
		seen[key] = true
		if !podClaims[name] {
			e := field.NotFound(cp, name)
			e.Detail = "must be one of the names in pod.spec.resourceClaims"
			if len(podClaims) == 0 {
				e.Detail += " which is empty"
			} else {
				e.Detail += ": " + strings.Join(sortedKeys(podClaims), ", ")
			}
			errs = append(errs, e)
		}
	}
	return errs
}
