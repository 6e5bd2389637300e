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

deny contains {"msg": msg, "field": sprintf("%s.volumes[%d].hostPath", [k8s.pod_spec_path(input), i])} if {
	some i, v in object.get(k8s.pod_spec(input), "volumes", [])
	v.hostPath
	msg := sprintf("volume %s mounts host path %s", [v.name, v.hostPath.path])
}
