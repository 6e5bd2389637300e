package syncgate.checks_test.hpa_target_missing

import data.syncgate.checks.hpa_target_missing as check
import data.syncgate.lib.fixtures

test_missing_fires if {
	hpa := fixtures.set(fixtures.hpa, "/spec/scaleTargetRef/name", "web-v2")
	fixtures.fields(check.deny) == ["spec.scaleTargetRef.name"] with input as hpa with data.syncgate.objects as fixtures.objects
}

test_present_passes if {
	count(check.deny) == 0 with input as fixtures.hpa with data.syncgate.objects as fixtures.objects
}
