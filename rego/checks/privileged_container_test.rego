package syncgate.checks_test.privileged_container

import data.syncgate.checks.privileged_container as check
import data.syncgate.lib.fixtures

test_privileged_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.privileged"] with input as fixtures.container("securityContext/privileged", true)
}

test_unprivileged_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
	count(check.deny) == 0 with input as fixtures.container("securityContext/privileged", false)
}
