# METADATA
# title: Container runs privileged
# description: >-
#   A privileged container has every capability and the host's devices: it
#   is root on the node.
# custom:
#   id: policy/privileged-container
#   severity: error
#   remediation: >-
#     Remove `securityContext.privileged: true`; grant the one capability
#     the container needs instead.
package syncgate.checks.privileged_container

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.securityContext.privileged", [at])} if {
	some [at, c] in k8s.containers_at(input)
	c.securityContext.privileged == true
	msg := sprintf("container %s runs privileged", [c.name])
}
