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
# one rule are one grant to review. It is placed on the first rule that
# grants one.
deny contains {"msg": msg, "field": sprintf("rules[%d]", [min(grants)])} if {
	input.kind in {"Role", "ClusterRole"}
	rules := object.get(input, "rules", [])
	grants := {i | some i, rule in rules; count(reading(rule)) > 0}
	count(grants) > 0
	verbs := union({reading(rules[i]) | some i in grants})
	msg := sprintf("%s %s may %s every Secret", [input.kind, k8s.name(input), concat(", ", sort(verbs))])
}

# reading(rule) are the verbs by which rule reads every Secret.
reading(rule) := {verb |
	"" in object.get(rule, "apiGroups", [])
	"secrets" in object.get(rule, "resources", [])
	count(object.get(rule, "resourceNames", [])) == 0
	some verb in object.get(rule, "verbs", [])
	verb in {"get", "list", "watch"}
}
