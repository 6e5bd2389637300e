package syncgate.checks_test.seccomp_unconfined

import data.syncgate.checks.seccomp_unconfined as check
import data.syncgate.lib.fixtures

test_pod_unconfined_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.securityContext.seccompProfile.type"] with input as fixtures.pod("securityContext/seccompProfile/type", "Unconfined")
}

test_container_unconfined_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.seccompProfile.type"] with input as fixtures.container("securityContext/seccompProfile", {"type": "Unconfined"})
}

test_runtime_default_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
