package syncgate.checks_test.host_port

import data.syncgate.checks.host_port as check
import data.syncgate.lib.fixtures

test_host_port_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].ports[0].hostPort"] with input as fixtures.container("ports/0/hostPort", 8080)
}

test_container_port_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
