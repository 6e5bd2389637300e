package syncgate.checks_test.dangerous_capabilities

import data.syncgate.checks.dangerous_capabilities as check
import data.syncgate.lib.fixtures

test_sys_admin_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.capabilities.add"] with input as fixtures.container("securityContext/capabilities/add", ["CAP_SYS_ADMIN"])
}

test_harmless_passes if {
	count(check.deny) == 0 with input as fixtures.container("securityContext/capabilities/add", ["NET_BIND_SERVICE"])
	count(check.deny) == 0 with input as fixtures.deployment
}
