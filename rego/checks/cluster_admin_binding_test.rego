package syncgate.checks_test.cluster_admin_binding

import data.syncgate.checks.cluster_admin_binding as check
import data.syncgate.lib.fixtures

test_cluster_admin_fires if {
	binding := fixtures.set(fixtures.rolebinding, "/roleRef", {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"})
	fixtures.fields(check.deny) == ["roleRef.name"] with input as binding
}

test_role_passes if {
	count(check.deny) == 0 with input as fixtures.rolebinding
}
