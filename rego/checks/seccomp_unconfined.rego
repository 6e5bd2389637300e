# METADATA
# title: Seccomp is turned off
# description: >-
#   A seccomp profile of type Unconfined lets the container make every
#   system call, including those container escapes use.
# custom:
#   id: policy/seccomp-unconfined
#   severity: error
#   remediation: >-
#     Use `seccompProfile.type: RuntimeDefault` (or a Localhost profile).
package syncgate.checks.seccomp_unconfined

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.securityContext.seccompProfile.type", [k8s.pod_spec_path(input)])} if {
	k8s.pod_spec(input).securityContext.seccompProfile.type == "Unconfined"
	msg := sprintf("%s %s runs its pods without seccomp", [input.kind, k8s.name(input)])
}

deny contains {"msg": msg, "field": sprintf("%s.securityContext.seccompProfile.type", [at])} if {
	some [at, c] in k8s.containers_at(input)
	c.securityContext.seccompProfile.type == "Unconfined"
	msg := sprintf("container %s runs without seccomp", [c.name])
}
