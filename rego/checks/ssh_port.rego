# METADATA
# title: Container exposes the SSH port
# description: >-
#   A container that listens on port 22 usually runs an SSH server: a way in
#   that bypasses the cluster's access control and audit.
# custom:
#   id: policy/ssh-port
#   severity: warning
#   remediation: >-
#     Remove the SSH server; use `kubectl exec` or `kubectl debug`.
package syncgate.checks.ssh_port

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.ports[%d].containerPort", [at, i])} if {
	some [at, c] in k8s.containers_at(input)
	some i, p in object.get(c, "ports", [])
	p.containerPort == 22
	msg := sprintf("container %s exposes port 22 (SSH)", [c.name])
}
