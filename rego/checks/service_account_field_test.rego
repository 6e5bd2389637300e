package syncgate.checks_test.service_account_field

import data.syncgate.checks.service_account_field as check
import data.syncgate.lib.fixtures

test_deprecated_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.serviceAccount"] with input as fixtures.pod("serviceAccount", "web")
}

test_name_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
