package syncgate.checks_test.service_account_missing

import data.syncgate.checks.service_account_missing as check
import data.syncgate.lib.fixtures

test_missing_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.serviceAccountName"] with input as fixtures.deployment with data.syncgate.objects as [fixtures.deployment]
}

test_present_passes if {
	count(check.deny) == 0 with input as fixtures.deployment with data.syncgate.objects as fixtures.objects
	default_sa := fixtures.unset(fixtures.deployment, "/spec/template/spec/serviceAccountName")
	count(check.deny) == 0 with input as default_sa with data.syncgate.objects as [default_sa]
}
