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

deny contains {"msg": msg, "field": root_field(at, c)} if {
	some [at, c] in k8s.containers_at(input)
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

# root_field(at, c) is the field that lets container c, at the dotted path
# at, run as root: a runAsUser of 0, else a runAsNonRoot that is not true,
# in the security context that sets it (the container's, else the pod's);
# the container itself when neither is set.
root_field(at, c) := sprintf("%s.securityContext.%s", [context_path(at, c, key), key]) if {
	key := root_key(c)
}

root_field(at, c) := at if not root_key(c)

root_key(c) := "runAsUser" if root_user(c)

root_key(c) := "runAsNonRoot" if {
	not root_user(c)
	k8s.security_context(c, input, "runAsNonRoot") != true
}

context_path(at, c, key) := at if k8s.has_key(object.get(c, "securityContext", {}), key)

context_path(_, c, key) := k8s.pod_spec_path(input) if {
	not k8s.has_key(object.get(c, "securityContext", {}), key)
}
