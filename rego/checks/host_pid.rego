# METADATA
# title: Pod shares the host's PID namespace
# description: >-
#   With `hostPID` the pod shares the node's process table: it can see and
#   signal every process on the node.
# custom:
#   id: policy/host-pid
#   severity: error
#   remediation: >-
#     Remove `hostPID: true` from the pod spec.
package syncgate.checks.host_pid

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.hostPID", [k8s.pod_spec_path(input)])} if {
	k8s.pod_spec(input).hostPID == true
	msg := sprintf("%s %s sets hostPID", [input.kind, k8s.name(input)])
}
