# METADATA
# title: PodDisruptionBudget allows no eviction
# description: >-
#   A budget with maxUnavailable 0, or minAvailable 100% or at least the
#   replicas of a replicated workload, blocks every voluntary eviction: node
#   drains and cluster upgrades hang.
# custom:
#   id: policy/pdb-blocks-eviction
#   severity: warning
#   remediation: >-
#     Allow at least one pod to go: `maxUnavailable: 1`, or a minAvailable
#     below the replica count.
package syncgate.checks.pdb_blocks_eviction

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": "spec.maxUnavailable"} if {
	input.kind == "PodDisruptionBudget"
	input.spec.maxUnavailable in {0, "0%"}
	msg := sprintf("PodDisruptionBudget %s sets maxUnavailable to %v", [k8s.name(input), input.spec.maxUnavailable])
}

deny contains {"msg": msg, "field": "spec.minAvailable"} if {
	input.kind == "PodDisruptionBudget"
	input.spec.minAvailable == "100%"
	msg := sprintf("PodDisruptionBudget %s requires 100%% of pods available", [k8s.name(input)])
}

deny contains {"msg": msg, "field": "spec.minAvailable"} if {
	input.kind == "PodDisruptionBudget"
	is_number(input.spec.minAvailable)
	some w in k8s.workloads
	w.kind in k8s.replicated_kinds
	k8s.same_namespace(w, input)
	k8s.selector_matches(object.get(input, ["spec", "selector"], {}), k8s.template_labels(w))
	k8s.min_replicas(w) >= 2
	input.spec.minAvailable >= k8s.min_replicas(w)
	msg := sprintf("PodDisruptionBudget %s requires %d pods available but %s %s may run only %d", [k8s.name(input), input.spec.minAvailable, w.kind, k8s.name(w), k8s.min_replicas(w)])
}
