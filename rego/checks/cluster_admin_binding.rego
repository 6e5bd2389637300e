# METADATA
# title: Binding grants cluster-admin
# description: >-
#   cluster-admin can do anything in the cluster; an application or a team's
#   account rarely needs it, and a leaked token of a subject holding it owns
#   the cluster.
# custom:
#   id: policy/cluster-admin-binding
#   severity: error
#   remediation: >-
#     Bind a Role or ClusterRole with the permissions the subject needs.
package syncgate.checks.cluster_admin_binding

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": "roleRef.name"} if {
	input.kind in {"RoleBinding", "ClusterRoleBinding"}
	input.roleRef.kind == "ClusterRole"
	input.roleRef.name == "cluster-admin"
	msg := sprintf("%s %s binds cluster-admin", [input.kind, k8s.name(input)])
}
