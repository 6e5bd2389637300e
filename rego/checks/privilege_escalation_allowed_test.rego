package syncgate.checks_test.privilege_escalation_allowed

import data.syncgate.checks.privilege_escalation_allowed as check
import data.syncgate.lib.fixtures

test_unset_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext"] with input as fixtures.unset(fixtures.deployment, "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation")
}

test_true_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"] with input as fixtures.container("securityContext/allowPrivilegeEscalation", true)
}

test_false_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
