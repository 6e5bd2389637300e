# METADATA
# title: Container unmasks /proc
# description: >-
#   procMount Unmasked exposes the host's kernel interfaces under /proc that
#   the runtime normally hides.
# custom:
#   id: policy/proc-mount-unmasked
#   severity: error
#   remediation: >-
#     Remove `securityContext.procMount` or set it to Default.
package syncgate.checks.proc_mount_unmasked

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.securityContext.procMount", [at])} if {
	some [at, c] in k8s.containers_at(input)
	c.securityContext.procMount == "Unmasked"
	msg := sprintf("container %s mounts /proc unmasked", [c.name])
}
