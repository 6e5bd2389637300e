package syncgate.checks_test.host_pid

import data.syncgate.checks.host_pid as check
import data.syncgate.lib.fixtures

test_set_fires if {
	count(check.deny) == 1 with input as fixtures.pod("hostPID", true)
}

test_unset_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
	count(check.deny) == 0 with input as fixtures.pod("hostPID", false)
}
