package syncgate.checks_test.service_account_field

import data.syncgate.checks.service_account_field as check
import data.syncgate.lib.fixtures

test_deprecated_fires if {
	count(check.deny) == 1 with input as fixtures.pod("serviceAccount", "web")
}

test_name_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
