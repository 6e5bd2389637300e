package syncgate.checks_test.memory_requests_missing

import data.syncgate.checks.memory_requests_missing as check
import data.syncgate.lib.fixtures

test_missing_fires if {
	count(check.deny) == 1 with input as fixtures.container("resources", {})
}

test_set_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
