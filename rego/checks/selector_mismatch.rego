# METADATA
# title: Workload selector does not match its pod template
# description: >-
#   A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, or a
#   custom one such as an Argo Rollout) whose selector does not select its
#   own pod template's labels is refused by the API server or its
#   controller.
# custom:
#   id: policy/selector-mismatch
#   severity: error
#   remediation: >-
#     Make `spec.selector` select the labels of
#     `spec.template.metadata.labels`.
package syncgate.checks.selector_mismatch

import data.syncgate.lib.k8s

deny contains msg if {
	k8s.is_workload(input)
	selector := object.get(input, ["spec", "selector"], {})
	labels := k8s.template_labels(input)
	not k8s.selector_matches(selector, labels)
	msg := sprintf("%s %s: spec.selector does not match the pod template's labels", [input.kind, k8s.name(input)])
}
