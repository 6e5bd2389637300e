# METADATA
# title: Container sets no CPU request
# description: >-
#   Without a CPU request the scheduler places the pod as if it needed none,
#   and the pod is first to starve under contention.
# custom:
#   id: policy/cpu-requests-missing
#   severity: warning
#   remediation: >-
#     Set `resources.requests.cpu` on every container.
package syncgate.checks.cpu_requests_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(at, c, ["resources", "requests", "cpu"])} if {
	some [at, c] in k8s.containers_at(input)
	not c.resources.requests.cpu
	msg := sprintf("container %s has no cpu request", [c.name])
}
