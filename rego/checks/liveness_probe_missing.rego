# METADATA
# title: Container has no liveness probe
# description: >-
#   Without a liveness probe a hung container keeps its place until someone
#   restarts it.
# custom:
#   id: policy/liveness-probe-missing
#   severity: warning
#   remediation: >-
#     Add a `livenessProbe` to every container of long-running workloads.
package syncgate.checks.liveness_probe_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": at} if {
	input.kind in k8s.long_running_kinds
	some [at, c] in k8s.app_containers_at(input)
	not c.livenessProbe
	msg := sprintf("container %s has no liveness probe", [c.name])
}
