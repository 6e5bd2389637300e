package syncgate.checks_test.run_as_root

import data.syncgate.checks.run_as_root as check
import data.syncgate.lib.fixtures

test_unset_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0]"] with input as fixtures.pod("securityContext", {})
}

test_root_user_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.runAsUser"] with input as fixtures.container("securityContext/runAsUser", 0)
}

test_container_overrides_pod if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.runAsNonRoot"] with input as fixtures.container("securityContext/runAsNonRoot", false)
	count(check.deny) == 0 with input as fixtures.set(fixtures.pod("securityContext", {}), "/spec/template/spec/containers/0/securityContext/runAsUser", 1000)
}

test_pod_setting_fires_at_the_pod if {
	fixtures.fields(check.deny) == ["spec.template.spec.securityContext.runAsNonRoot"] with input as fixtures.pod("securityContext/runAsNonRoot", false)
	fixtures.fields(check.deny) == ["spec.template.spec.securityContext.runAsUser"] with input as fixtures.pod("securityContext/runAsUser", 0)
}

test_non_root_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
