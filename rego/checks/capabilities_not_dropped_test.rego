package syncgate.checks_test.capabilities_not_dropped

import data.syncgate.checks.capabilities_not_dropped as check
import data.syncgate.lib.fixtures

test_not_dropped_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.capabilities.drop"] with input as fixtures.container("securityContext/capabilities", {"drop": ["NET_RAW"]})
}

test_no_capabilities_fires_at_the_security_context if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext"] with input as fixtures.container("securityContext/capabilities", null)
}

test_dropped_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
