package syncgate.checks_test.windows_host_process

import data.syncgate.checks.windows_host_process as check
import data.syncgate.lib.fixtures

test_host_process_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.windowsOptions.hostProcess"] with input as fixtures.container("securityContext/windowsOptions", {"hostProcess": true})
	fixtures.fields(check.deny) == ["spec.template.spec.securityContext.windowsOptions.hostProcess"] with input as fixtures.pod("securityContext/windowsOptions", {"hostProcess": true})
}

test_normal_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
