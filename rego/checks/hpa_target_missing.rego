# METADATA
# title: HorizontalPodAutoscaler scales a workload the target does not define
# description: >-
#   An autoscaler whose scaleTargetRef names no workload of its namespace in
#   the same target scales nothing.
# custom:
#   id: policy/hpa-target-missing
#   severity: error
#   remediation: >-
#     Point `spec.scaleTargetRef` at the workload's kind and name.
package syncgate.checks.hpa_target_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": "spec.scaleTargetRef.name"} if {
	input.kind == "HorizontalPodAutoscaler"
	ref := input.spec.scaleTargetRef
	is_array(k8s.objects)
	not defined(ref)
	msg := sprintf("HorizontalPodAutoscaler %s scales %s %s, which this target does not define", [k8s.name(input), ref.kind, ref.name])
}

defined(ref) if {
	some w in k8s.objects
	w.kind == ref.kind
	k8s.same_namespace(w, input)
	k8s.name(w) == ref.name
}
