package syncgate.checks_test.automount_service_account_token

import data.syncgate.checks.automount_service_account_token as check
import data.syncgate.lib.fixtures

test_mounted_fires if {
	mounted := fixtures.unset(fixtures.deployment, "/spec/template/spec/automountServiceAccountToken")
	count(check.deny) == 1 with input as mounted with data.syncgate.objects as [mounted, fixtures.serviceaccount]
}

test_disabled_passes if {
	count(check.deny) == 0 with input as fixtures.pod("automountServiceAccountToken", false)
	sa := fixtures.set(fixtures.serviceaccount, "/automountServiceAccountToken", false)
	mounted := fixtures.unset(fixtures.deployment, "/spec/template/spec/automountServiceAccountToken")
	count(check.deny) == 0 with input as mounted with data.syncgate.objects as [mounted, sa]
}
