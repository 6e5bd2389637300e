# METADATA
# title: Windows container runs as a host process
# description: >-
#   A Windows HostProcess container runs directly on the node with the
#   node's privileges.
# custom:
#   id: policy/windows-host-process
#   severity: error
#   remediation: >-
#     Remove `windowsOptions.hostProcess: true`.
package syncgate.checks.windows_host_process

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.securityContext.windowsOptions.hostProcess", [k8s.pod_spec_path(input)])} if {
	k8s.pod_spec(input).securityContext.windowsOptions.hostProcess == true
	msg := sprintf("%s %s runs Windows host processes", [input.kind, k8s.name(input)])
}

deny contains {"msg": msg, "field": sprintf("%s.securityContext.windowsOptions.hostProcess", [at])} if {
	some [at, c] in k8s.containers_at(input)
	c.securityContext.windowsOptions.hostProcess == true
	msg := sprintf("container %s runs as a Windows host process", [c.name])
}
