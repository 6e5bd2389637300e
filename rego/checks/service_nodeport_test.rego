package syncgate.checks_test.service_nodeport

import data.syncgate.checks.service_nodeport as check
import data.syncgate.lib.fixtures

test_nodeport_fires if {
	fixtures.fields(check.deny) == ["spec.type"] with input as fixtures.set(fixtures.service, "/spec/type", "NodePort")
}

test_cluster_ip_passes if {
	count(check.deny) == 0 with input as fixtures.service
}
