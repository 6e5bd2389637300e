# METADATA
# title: Container sets no CPU limit
# description: >-
#   Without a CPU limit a busy container can take the CPU its neighbours
#   were promised beyond their requests.
# custom:
#   id: policy/cpu-limits-missing
#   severity: info
#   remediation: >-
#     Set `resources.limits.cpu` on every container.
package syncgate.checks.cpu_limits_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(at, c, ["resources", "limits", "cpu"])} if {
	some [at, c] in k8s.containers_at(input)
	not c.resources.limits.cpu
	msg := sprintf("container %s has no cpu limit", [c.name])
}
