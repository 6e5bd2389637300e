# METADATA
# title: Container may run as root
# description: >-
#   A container whose user is not known to be non-root runs as root when its
#   image says so; a container escape then starts as root.
# custom:
#   id: policy/run-as-root
#   severity: warning
#   remediation: >-
#     Set `runAsNonRoot: true` (or a non-zero `runAsUser`) in the pod's or
#     the container's securityContext.
package syncgate.checks.run_as_root

import data.syncgate.lib.k8s

deny contains msg if {
	some c in k8s.containers(input)
	not non_root(c)
	msg := sprintf("container %s may run as root: set runAsNonRoot or a non-zero runAsUser", [c.name])
}

non_root(c) if {
	k8s.security_context(c, input, "runAsUser") > 0
}

non_root(c) if {
	not root_user(c)
	k8s.security_context(c, input, "runAsNonRoot") == true
}

root_user(c) if k8s.security_context(c, input, "runAsUser") == 0
