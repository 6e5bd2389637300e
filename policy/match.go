package policy

import (
	"path"
	"slices"

	"github.com/syncgate/syncgate/manifest"
)

// clusterScoped are the kinds that live outside namespaces, for
// spec.match.scope and the namespace criteria.
var clusterScoped = []string{
	"APIService", "CSIDriver", "CSINode", "ClusterRole", "ClusterRoleBinding",
	"ConstraintTemplate", "CustomResourceDefinition", "IngressClass",
	"MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume",
	"PriorityClass", "RuntimeClass", "StorageClass", "ValidatingAdmissionPolicy",
	"ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VolumeAttachment",
}

// matches applies a constraint's spec.match to obj as Gatekeeper does:
// kinds, scope, namespaces and excludedNamespaces (with * globs), name,
// labelSelector, and namespaceSelector against the labels of the
// target's Namespace objects. Offline there is no cluster to ask: a
// namespaced object whose Namespace the target does not hold does not
// match a namespaceSelector.
func (run *gatekeeperRun) matches(c constraint, obj *manifest.Object) bool {
	m := c.match
	if m == nil {
		return true
	}
	cluster := slices.Contains(clusterScoped, obj.Kind)
	ns := obj.Namespace
	if obj.Kind == "Namespace" {
		ns = obj.Name
	}
	if kinds, ok := m["kinds"].([]any); ok && len(kinds) > 0 && !kindMatches(kinds, obj) {
		return false
	}
	switch scope, _ := m["scope"].(string); scope {
	case "Cluster":
		if !cluster {
			return false
		}
	case "Namespaced":
		if cluster {
			return false
		}
	}
	// As in Gatekeeper, an object without a namespace (cluster-scoped,
	// or namespaced but naming none) is not disqualified by these.
	if list := manifest.StringList(m["namespaces"]); len(list) > 0 && ns != "" && !globAny(list, ns) {
		return false
	}
	if list := manifest.StringList(m["excludedNamespaces"]); len(list) > 0 && ns != "" && globAny(list, ns) {
		return false
	}
	if name, ok := m["name"].(string); ok && name != "" && !globAny([]string{name}, obj.Name) {
		return false
	}
	labels, _ := dig(obj.Content, "metadata", "labels").(map[string]any)
	if sel, ok := m["labelSelector"].(map[string]any); ok && !selectorMatches(sel, labels) {
		return false
	}
	if sel, ok := m["namespaceSelector"].(map[string]any); ok {
		if cluster && obj.Kind != "Namespace" {
			return true
		}
		nsLabels, found := run.namespaces[ns]
		if !found || !selectorMatches(sel, nsLabels) {
			return false
		}
	}
	return true
}

func kindMatches(kinds []any, obj *manifest.Object) bool {
	for _, k := range kinds {
		entry, _ := k.(map[string]any)
		groups, names := manifest.StringList(entry["apiGroups"]), manifest.StringList(entry["kinds"])
		if (slices.Contains(groups, "*") || slices.Contains(groups, obj.Group())) &&
			(slices.Contains(names, "*") || slices.Contains(names, obj.Kind)) {
			return true
		}
	}
	return false
}

// globAny tells whether s matches one of patterns, where a pattern may
// start or end with * as Gatekeeper's namespace patterns do.
func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

// selectorMatches evaluates a label selector (matchLabels and
// matchExpressions) against labels.
func selectorMatches(sel map[string]any, labels map[string]any) bool {
	if ml, ok := sel["matchLabels"].(map[string]any); ok {
		for k, v := range ml {
			if labels[k] != v {
				return false
			}
		}
	}
	exprs, _ := sel["matchExpressions"].([]any)
	for _, e := range exprs {
		expr, _ := e.(map[string]any)
		key, _ := expr["key"].(string)
		value, has := labels[key]
		values, _ := expr["values"].([]any)
		in := slices.ContainsFunc(values, func(v any) bool { return v == value })
		switch expr["operator"] {
		case "In":
			if !has || !in {
				return false
			}
		case "NotIn":
			if has && in {
				return false
			}
		case "Exists":
			if !has {
				return false
			}
		case "DoesNotExist":
			if has {
				return false
			}
		default:
			return false
		}
	}
	return true
}
