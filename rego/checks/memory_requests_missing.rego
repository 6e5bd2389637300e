# METADATA
# title: Container sets no memory request
# description: >-
#   Without a memory request the scheduler places the pod as if it needed no
#   memory, and it is among the first evicted under pressure.
# custom:
#   id: policy/memory-requests-missing
#   severity: warning
#   remediation: >-
#     Set `resources.requests.memory` on every container.
package syncgate.checks.memory_requests_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(at, c, ["resources", "requests", "memory"])} if {
	some [at, c] in k8s.containers_at(input)
	not c.resources.requests.memory
	msg := sprintf("container %s has no memory request", [c.name])
}
