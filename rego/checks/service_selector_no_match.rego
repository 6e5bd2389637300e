# METADATA
# title: Service selects no pods of the target
# description: >-
#   A Service whose selector matches no pod template in its namespace of the
#   same target sends its traffic nowhere: usually a label typo.
# custom:
#   id: policy/service-selector-no-match
#   severity: error
#   remediation: >-
#     Make `spec.selector` match the labels of the workload's pod template.
package syncgate.checks.service_selector_no_match

import data.syncgate.lib.k8s

deny contains msg if {
	input.kind == "Service"
	selector := object.get(input, ["spec", "selector"], {})
	count(selector) > 0
	is_array(k8s.objects)
	not selects_pods(selector)
	msg := sprintf("Service %s selects no pod template in this target (selector %v)", [k8s.name(input), selector])
}

selects_pods(selector) if {
	some w in k8s.workloads
	k8s.same_namespace(w, input)
	k8s.labels_match(selector, k8s.template_labels(w))
}
