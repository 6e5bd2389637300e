package syncgate.checks_test.windows_host_process

import data.syncgate.checks.windows_host_process as check
import data.syncgate.lib.fixtures

test_host_process_fires if {
	count(check.deny) == 1 with input as fixtures.container("securityContext/windowsOptions", {"hostProcess": true})
	count(check.deny) == 1 with input as fixtures.pod("securityContext/windowsOptions", {"hostProcess": true})
}

test_normal_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
