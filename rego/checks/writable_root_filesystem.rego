# METADATA
# title: Container root filesystem is writable
# description: >-
#   A writable root filesystem lets an intruder change the container's
#   binaries and configuration.
# custom:
#   id: policy/writable-root-filesystem
#   severity: warning
#   remediation: >-
#     Set `securityContext.readOnlyRootFilesystem: true`; mount an emptyDir
#     where the application must write.
package syncgate.checks.writable_root_filesystem

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(at, c, ["securityContext", "readOnlyRootFilesystem"])} if {
	some [at, c] in k8s.containers_at(input)
	not c.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("container %s has a writable root filesystem", [c.name])
}
