# METADATA
# title: Role grants a wildcard
# description: >-
#   A `*` in a Role's verbs, resources or API groups grants everything there
#   is, including what later versions add.
# custom:
#   id: policy/rbac-wildcard
#   severity: warning
#   remediation: >-
#     List the verbs, resources and API groups the subject needs.
package syncgate.checks.rbac_wildcard

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("rules[%d].%s", [i, field])} if {
	input.kind in {"Role", "ClusterRole"}
	some i, rule in object.get(input, "rules", [])
	some field in ["verbs", "resources", "apiGroups"]
	"*" in object.get(rule, field, [])
	msg := sprintf("%s %s grants * in %s", [input.kind, k8s.name(input), field])
}
