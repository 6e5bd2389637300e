package syncgate.checks_test.automount_service_account_token

import data.syncgate.checks.automount_service_account_token as check
import data.syncgate.lib.fixtures

test_mounted_fires if {
	mounted := fixtures.unset(fixtures.deployment, "/spec/template/spec/automountServiceAccountToken")
	fixtures.fields(check.deny) == ["spec.template.spec"] with input as mounted with data.syncgate.objects as [mounted, fixtures.serviceaccount]
}

test_enabled_fires_at_the_field if {
	mounted := fixtures.pod("automountServiceAccountToken", true)
	fixtures.fields(check.deny) == ["spec.template.spec.automountServiceAccountToken"] with input as mounted with data.syncgate.objects as [mounted]
}

test_disabled_passes if {
	count(check.deny) == 0 with input as fixtures.pod("automountServiceAccountToken", false)
	sa := fixtures.set(fixtures.serviceaccount, "/automountServiceAccountToken", false)
	mounted := fixtures.unset(fixtures.deployment, "/spec/template/spec/automountServiceAccountToken")
	count(check.deny) == 0 with input as mounted with data.syncgate.objects as [mounted, sa]
}
