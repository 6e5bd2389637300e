package syncgate.checks_test.writable_root_filesystem

import data.syncgate.checks.writable_root_filesystem as check
import data.syncgate.lib.fixtures

test_writable_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"] with input as fixtures.container("securityContext/readOnlyRootFilesystem", false)
}

test_read_only_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
