# METADATA
# title: Pod mounts a ServiceAccount token it may not need
# description: >-
#   Unless automountServiceAccountToken is false, every pod carries an API
#   token: an intruder in the pod can talk to the API server as its
#   ServiceAccount.
# custom:
#   id: policy/automount-service-account-token
#   severity: info
#   remediation: >-
#     Set `automountServiceAccountToken: false` on the pod spec (or the
#     ServiceAccount) when the application does not call the Kubernetes API.
package syncgate.checks.automount_service_account_token

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": k8s.nearest(k8s.pod_spec_path(input), k8s.pod_spec(input), ["automountServiceAccountToken"])} if {
	k8s.is_workload(input)
	not k8s.pod_spec(input).automountServiceAccountToken == false
	sa := object.get(k8s.pod_spec(input), "serviceAccountName", "default")
	not account_disables(sa)
	msg := sprintf("%s %s mounts the token of ServiceAccount %s", [input.kind, k8s.name(input), sa])
}

account_disables(name) if {
	some sa in k8s.objects
	sa.kind == "ServiceAccount"
	k8s.same_namespace(sa, input)
	k8s.name(sa) == name
	sa.automountServiceAccountToken == false
}
