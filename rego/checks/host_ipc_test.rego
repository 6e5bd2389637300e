package syncgate.checks_test.host_ipc

import data.syncgate.checks.host_ipc as check
import data.syncgate.lib.fixtures

test_set_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.hostIPC"] with input as fixtures.pod("hostIPC", true)
}

test_unset_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
	count(check.deny) == 0 with input as fixtures.pod("hostIPC", false)
}
