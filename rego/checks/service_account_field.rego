# METADATA
# title: Pod uses the deprecated serviceAccount field
# description: >-
#   spec.serviceAccount is a deprecated alias of serviceAccountName; tools
#   that read only the new field miss it.
# custom:
#   id: policy/service-account-field
#   severity: warning
#   remediation: >-
#     Rename `serviceAccount` to `serviceAccountName`.
package syncgate.checks.service_account_field

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("%s.serviceAccount", [k8s.pod_spec_path(input)])} if {
	k8s.pod_spec(input).serviceAccount
	msg := sprintf("%s %s sets the deprecated serviceAccount field", [input.kind, k8s.name(input)])
}
