# METADATA
# title: Pod shares the host's network namespace
# description: >-
#   With `hostNetwork` the pod shares the node's network stack: it can bind
#   the node's ports and see its traffic.
# custom:
#   id: policy/host-network
#   severity: error
#   remediation: >-
#     Remove `hostNetwork: true` from the pod spec.
package syncgate.checks.host_network

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.hostNetwork", [k8s.pod_spec_path(input)])} if {
	k8s.pod_spec(input).hostNetwork == true
	msg := sprintf("%s %s sets hostNetwork", [input.kind, k8s.name(input)])
}
