package syncgate.checks_test.ssh_port

import data.syncgate.checks.ssh_port as check
import data.syncgate.lib.fixtures

test_ssh_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].ports[1].containerPort"] with input as fixtures.container("ports/-", {"name": "ssh", "containerPort": 22})
}

test_http_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
