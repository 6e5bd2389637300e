# METADATA
# title: PodDisruptionBudget pins a single-replica workload
# description: >-
#   A Deployment, StatefulSet or Argo Rollout that runs one replica (and
#   has no autoscaler that keeps more), under a PodDisruptionBudget with a
#   minAvailable, can never be evicted: node drains and cluster upgrades
#   hang on it.
# custom:
#   id: policy/pdb-single-replica
#   severity: warning
#   remediation: >-
#     Run at least two replicas (`spec.replicas` or the
#     HorizontalPodAutoscaler's `minReplicas`), or budget with
#     `maxUnavailable: 1`.
package syncgate.checks.pdb_single_replica

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": replicas_field} if {
	input.kind in k8s.replicated_kinds
	k8s.min_replicas(input) == 1
	some pdb in k8s.objects
	pdb.kind == "PodDisruptionBudget"
	k8s.same_namespace(pdb, input)
	k8s.selector_matches(object.get(pdb, ["spec", "selector"], {}), k8s.template_labels(input))
	not object.get(pdb, ["spec", "minAvailable"], 0) in {0, "0%"}
	msg := sprintf("%s %s runs one replica and PodDisruptionBudget %s requires minAvailable %v: it can never be evicted", [input.kind, k8s.name(input), k8s.name(pdb), pdb.spec.minAvailable])
}

# replicas_field is where the one replica is set: spec.replicas (spec when
# it is left to its default), or an autoscaler's minReplicas, on another
# object, so no field of this one.
replicas_field := k8s.nearest("", input, ["spec", "replicas"]) if count(k8s.hpas(input)) == 0

replicas_field := "" if count(k8s.hpas(input)) > 0
