# METADATA
# title: Container keeps the default capabilities
# description: >-
#   The runtime's default capabilities include NET_RAW and others few
#   applications need; dropping them all narrows what an intruder can do.
# custom:
#   id: policy/capabilities-not-dropped
#   severity: warning
#   remediation: >-
#     Set `securityContext.capabilities.drop: [ALL]` and add back only what
#     the container needs.
package syncgate.checks.capabilities_not_dropped

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(at, c, ["securityContext", "capabilities", "drop"])} if {
	some [at, c] in k8s.containers_at(input)
	not drops_all(c)
	msg := sprintf("container %s does not drop ALL capabilities", [c.name])
}

drops_all(c) if {
	some cap in c.securityContext.capabilities.drop
	upper(cap) == "ALL"
}
