# METADATA
# title: Container sets no memory limit
# description: >-
#   Without a memory limit one leaking container can take the node's memory
#   from its neighbours.
# custom:
#   id: policy/memory-limits-missing
#   severity: warning
#   remediation: >-
#     Set `resources.limits.memory` on every container.
package syncgate.checks.memory_limits_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(at, c, ["resources", "limits", "memory"])} if {
	some [at, c] in k8s.containers_at(input)
	not c.resources.limits.memory
	msg := sprintf("container %s has no memory limit", [c.name])
}
