package syncgate.checks_test.service_selector_no_match

import data.syncgate.checks.service_selector_no_match as check
import data.syncgate.lib.fixtures

test_typo_fires if {
	svc := fixtures.set(fixtures.service, "/spec/selector/app", "webb")
	count(check.deny) == 1 with input as svc with data.syncgate.objects as [fixtures.deployment, svc]
}

test_other_namespace_fires if {
	svc := fixtures.set(fixtures.service, "/metadata/namespace", "other")
	count(check.deny) == 1 with input as svc with data.syncgate.objects as [fixtures.deployment, svc]
}

test_match_passes if {
	count(check.deny) == 0 with input as fixtures.service with data.syncgate.objects as fixtures.objects
	headless := fixtures.unset(fixtures.service, "/spec/selector")
	count(check.deny) == 0 with input as headless with data.syncgate.objects as [headless]
}
