# METADATA
# title: Container may gain more privileges than its parent process
# description: >-
#   Unless allowPrivilegeEscalation is false, setuid binaries in the image
#   can raise a process's privileges.
# custom:
#   id: policy/privilege-escalation-allowed
#   severity: warning
#   remediation: >-
#     Set `securityContext.allowPrivilegeEscalation: false` on every
#     container.
package syncgate.checks.privilege_escalation_allowed

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(at, c, ["securityContext", "allowPrivilegeEscalation"])} if {
	some [at, c] in k8s.containers_at(input)
	not c.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("container %s does not set allowPrivilegeEscalation to false", [c.name])
}
