package syncgate.checks_test.proc_mount_unmasked

import data.syncgate.checks.proc_mount_unmasked as check
import data.syncgate.lib.fixtures

test_unmasked_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.procMount"] with input as fixtures.container("securityContext/procMount", "Unmasked")
}

test_default_passes if {
	count(check.deny) == 0 with input as fixtures.container("securityContext/procMount", "Default")
}
