package syncgate.checks_test.host_pid

import data.syncgate.checks.host_pid as check
import data.syncgate.lib.fixtures

test_set_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.hostPID"] with input as fixtures.pod("hostPID", true)
}

test_unset_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
	count(check.deny) == 0 with input as fixtures.pod("hostPID", false)
}
