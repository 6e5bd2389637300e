# METADATA
# title: Workload selector does not match its pod template
# description: >-
#   A Deployment, StatefulSet, DaemonSet or ReplicaSet whose selector does
#   not select its own pod template's labels is refused by the API server.
# custom:
#   id: policy/selector-mismatch
#   severity: error
#   remediation: >-
#     Make `spec.selector` select the labels of
#     `spec.template.metadata.labels`.
package syncgate.checks.selector_mismatch

import data.syncgate.lib.k8s

deny contains msg if {
	input.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"}
	selector := object.get(input, ["spec", "selector"], {})
	labels := k8s.template_labels(input)
	not k8s.selector_matches(selector, labels)
	msg := sprintf("%s %s: spec.selector does not match the pod template's labels", [input.kind, k8s.name(input)])
}
