# METADATA
# title: Pod mounts a hostPath volume
# description: >-
#   A hostPath volume ties the pod to one node's files and, when writable,
#   lets it change them.
# custom:
#   id: policy/host-path-volume
#   severity: warning
#   remediation: >-
#     Use an emptyDir, a ConfigMap, a Secret or a PersistentVolumeClaim
#     instead.
package syncgate.checks.host_path_volume

import data.syncgate.lib.k8s

deny contains msg if {
	some v in object.get(k8s.pod_spec(input), "volumes", [])
	v.hostPath
	msg := sprintf("volume %s mounts host path %s", [v.name, v.hostPath.path])
}
