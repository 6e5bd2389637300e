# METADATA
# title: Container adds a dangerous capability
# description: >-
#   Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or ALL
#   let a container break out of its isolation or take over the node's
#   network.
# custom:
#   id: policy/dangerous-capabilities
#   severity: error
#   remediation: >-
#     Remove the capability from `securityContext.capabilities.add`.
package syncgate.checks.dangerous_capabilities

import data.syncgate.lib.k8s

dangerous := {"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT", "DAC_READ_SEARCH", "BPF", "PERFMON", "SYS_TIME", "MAC_ADMIN", "MAC_OVERRIDE"}

deny contains {"msg": msg, "field": sprintf("%s.securityContext.capabilities.add", [at])} if {
	some [at, c] in k8s.containers_at(input)
	some cap in object.get(c, ["securityContext", "capabilities", "add"], [])
	trim_prefix(upper(cap), "CAP_") in dangerous
	msg := sprintf("container %s adds capability %s", [c.name, cap])
}
