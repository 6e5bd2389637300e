# METADATA
# title: Pod shares the host's IPC namespace
# description: >-
#   With `hostIPC` the pod shares the node's IPC namespace: it can read
#   other processes' shared memory.
# custom:
#   id: policy/host-ipc
#   severity: error
#   remediation: >-
#     Remove `hostIPC: true` from the pod spec.
package syncgate.checks.host_ipc

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.hostIPC", [k8s.pod_spec_path(input)])} if {
	k8s.pod_spec(input).hostIPC == true
	msg := sprintf("%s %s sets hostIPC", [input.kind, k8s.name(input)])
}
