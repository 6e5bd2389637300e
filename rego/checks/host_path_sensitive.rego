# METADATA
# title: Pod mounts a sensitive host path
# description: >-
#   Mounting the node's root, /etc, /proc, /sys, /dev, the kubelet's
#   directory or a container runtime socket gives the pod control of the
#   node.
# custom:
#   id: policy/host-path-sensitive
#   severity: error
#   remediation: >-
#     Remove the volume; an agent that truly needs it belongs in a
#     dedicated, reviewed namespace.
package syncgate.checks.host_path_sensitive

import data.syncgate.lib.k8s

sensitive := {"/", "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/var/lib/kubelet", "/var/run", "/run"}

sockets := {"docker.sock", "containerd.sock", "crio.sock", "cri-dockerd.sock"}

deny contains {"msg": msg, "field": sprintf("%s.volumes[%d].hostPath.path", [k8s.pod_spec_path(input), i])} if {
	some i, v in object.get(k8s.pod_spec(input), "volumes", [])
	dangerous(trim_right(v.hostPath.path, "/"))
	msg := sprintf("volume %s mounts sensitive host path %s", [v.name, v.hostPath.path])
}

dangerous("")

dangerous(path) if {
	some s in sensitive
	path == s
}

dangerous(path) if {
	some s in (sensitive - {"/", "/var/run", "/run"})
	startswith(path, concat("", [s, "/"]))
}

dangerous(path) if {
	parts := split(path, "/")
	parts[count(parts) - 1] in sockets
}
