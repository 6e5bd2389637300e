# METADATA
# title: Custom workload selector does not match its pod template
# description: >-
#   A custom workload (an Argo Rollout, an OpenKruise CloneSet, anything
#   with a selector and a pod template) whose selector does not select its
#   own pod template's labels is refused by its controller. Kubernetes' own
#   workloads are left to the schema/selector check, which words the same
#   mistake as the API server does.
# custom:
#   id: policy/selector-mismatch
#   severity: error
#   remediation: >-
#     Make `spec.selector` select the labels of
#     `spec.template.metadata.labels`.
package syncgate.checks.selector_mismatch

import data.syncgate.lib.k8s

# The API groups whose workloads the API server validates itself.
builtin_groups := {"apps/v1", "batch/v1", "v1", "extensions/v1beta1", "apps/v1beta1", "apps/v1beta2"}

deny contains {"msg": msg, "field": k8s.nearest("", input, ["spec", "selector"])} if {
	k8s.is_workload(input)
	not input.apiVersion in builtin_groups
	selector := object.get(input, ["spec", "selector"], {})
	labels := k8s.template_labels(input)
	not k8s.selector_matches(selector, labels)
	msg := sprintf("%s %s: spec.selector does not match the pod template's labels", [input.kind, k8s.name(input)])
}
