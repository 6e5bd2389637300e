package syncgate.checks_test.host_network

import data.syncgate.checks.host_network as check
import data.syncgate.lib.fixtures

test_set_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.hostNetwork"] with input as fixtures.pod("hostNetwork", true)
}

test_unset_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
	count(check.deny) == 0 with input as fixtures.pod("hostNetwork", false)
}
