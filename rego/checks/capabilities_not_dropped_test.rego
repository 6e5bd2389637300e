package syncgate.checks_test.capabilities_not_dropped

import data.syncgate.checks.capabilities_not_dropped as check
import data.syncgate.lib.fixtures

test_not_dropped_fires if {
	count(check.deny) == 1 with input as fixtures.container("securityContext/capabilities", {"drop": ["NET_RAW"]})
}

test_dropped_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
