# METADATA
# title: Container has no readiness probe
# description: >-
#   Without a readiness probe a container gets traffic before it can serve
#   it, during starts and rollouts.
# custom:
#   id: policy/readiness-probe-missing
#   severity: warning
#   remediation: >-
#     Add a `readinessProbe` to every container of long-running workloads.
package syncgate.checks.readiness_probe_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": at} if {
	input.kind in k8s.long_running_kinds
	some [at, c] in k8s.app_containers_at(input)
	not c.readinessProbe
	msg := sprintf("container %s has no readiness probe", [c.name])
}
