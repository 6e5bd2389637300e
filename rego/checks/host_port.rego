# METADATA
# title: Container binds a host port
# description: >-
#   A hostPort binds the port on the node: two such pods cannot share a
#   node, and the port bypasses Services and NetworkPolicies.
# custom:
#   id: policy/host-port
#   severity: warning
#   remediation: >-
#     Remove `hostPort` and reach the pod through a Service.
package syncgate.checks.host_port

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.ports[%d].hostPort", [at, i])} if {
	some [at, c] in k8s.containers_at(input)
	some i, p in object.get(c, "ports", [])
	object.get(p, "hostPort", 0) > 0
	msg := sprintf("container %s binds host port %d", [c.name, p.hostPort])
}
