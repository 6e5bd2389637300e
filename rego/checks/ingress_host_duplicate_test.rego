package syncgate.checks_test.ingress_host_duplicate

import data.syncgate.checks.ingress_host_duplicate as check
import data.syncgate.lib.fixtures

second := fixtures.set(fixtures.ingress, "/metadata/name", "web-canary")

test_duplicate_fires if {
	count(check.deny) == 1 with input as fixtures.ingress with data.syncgate.objects as [fixtures.ingress, second]
	fixtures.fields(check.deny) == ["spec.rules[0].host"] with input as second with data.syncgate.objects as [fixtures.ingress, second]
}

test_other_host_passes if {
	other := fixtures.set(second, "/spec/rules/0/host", "admin.example.com")
	count(check.deny) == 0 with input as fixtures.ingress with data.syncgate.objects as [fixtures.ingress, other]
	count(check.deny) == 0 with input as fixtures.ingress with data.syncgate.objects as fixtures.objects
}
