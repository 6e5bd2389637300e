# METADATA
# title: Role reads Secrets
# description: >-
#   A Role that may get, list or watch Secrets reads every credential in its
#   namespace (a ClusterRole: in the cluster).
# custom:
#   id: policy/rbac-secrets-access
#   severity: warning
#   remediation: >-
#     Grant access to the named Secrets (`resourceNames`) the subject needs,
#     or mount them instead.
package syncgate.checks.rbac_secrets_access

import data.syncgate.lib.k8s

# One finding per Role, naming every reading verb: get, list and watch in
# one rule are one grant to review.
deny contains msg if {
	input.kind in {"Role", "ClusterRole"}
	verbs := {verb |
		some rule in object.get(input, "rules", [])
		"" in object.get(rule, "apiGroups", [])
		"secrets" in object.get(rule, "resources", [])
		count(object.get(rule, "resourceNames", [])) == 0
		some verb in object.get(rule, "verbs", [])
		verb in {"get", "list", "watch"}
	}
	count(verbs) > 0
	msg := sprintf("%s %s may %s every Secret", [input.kind, k8s.name(input), concat(", ", sort(verbs))])
}
