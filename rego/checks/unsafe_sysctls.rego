# METADATA
# title: Pod sets an unsafe sysctl
# description: >-
#   Sysctls outside the safe set Kubernetes namespaces per pod change the
#   whole node's kernel.
# custom:
#   id: policy/unsafe-sysctls
#   severity: error
#   remediation: >-
#     Remove the sysctl, or tune the node instead of the pod.
package syncgate.checks.unsafe_sysctls

import data.syncgate.lib.k8s

safe := {
	"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
}

deny contains {"msg": msg, "field": sprintf("%s.securityContext.sysctls[%d].name", [k8s.pod_spec_path(input), i])} if {
	some i, s in object.get(k8s.pod_spec(input), ["securityContext", "sysctls"], [])
	not s.name in safe
	msg := sprintf("sysctl %s is not in the safe set", [s.name])
}
