# METADATA
# title: Pod uses a ServiceAccount the target does not define
# description: >-
#   A pod whose serviceAccountName names no ServiceAccount of its namespace
#   in the same target fails to start until someone creates it.
# custom:
#   id: policy/service-account-missing
#   severity: warning
#   remediation: >-
#     Add the ServiceAccount to the target, or fix the name.
package syncgate.checks.service_account_missing

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.serviceAccountName", [k8s.pod_spec_path(input)])} if {
	k8s.is_workload(input)
	sa := object.get(k8s.pod_spec(input), "serviceAccountName", "default")
	sa != "default"
	is_array(k8s.objects)
	not defined(sa)
	msg := sprintf("%s %s uses ServiceAccount %s, which this target does not define", [input.kind, k8s.name(input), sa])
}

defined(name) if {
	some sa in k8s.objects
	sa.kind == "ServiceAccount"
	k8s.same_namespace(sa, input)
	k8s.name(sa) == name
}
