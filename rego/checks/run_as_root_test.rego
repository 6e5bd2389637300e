package syncgate.checks_test.run_as_root

import data.syncgate.checks.run_as_root as check
import data.syncgate.lib.fixtures

test_unset_fires if {
	count(check.deny) == 1 with input as fixtures.pod("securityContext", {})
}

test_root_user_fires if {
	count(check.deny) == 1 with input as fixtures.container("securityContext/runAsUser", 0)
}

test_container_overrides_pod if {
	count(check.deny) == 1 with input as fixtures.container("securityContext/runAsNonRoot", false)
	count(check.deny) == 0 with input as fixtures.set(fixtures.pod("securityContext", {}), "/spec/template/spec/containers/0/securityContext/runAsUser", 1000)
}

test_non_root_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
