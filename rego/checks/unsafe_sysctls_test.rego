package syncgate.checks_test.unsafe_sysctls

import data.syncgate.checks.unsafe_sysctls as check
import data.syncgate.lib.fixtures

test_unsafe_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.securityContext.sysctls[0].name"] with input as fixtures.pod("securityContext/sysctls", [{"name": "kernel.msgmax", "value": "65536"}])
}

test_safe_passes if {
	count(check.deny) == 0 with input as fixtures.pod("securityContext/sysctls", [{"name": "net.ipv4.tcp_syncookies", "value": "1"}])
	count(check.deny) == 0 with input as fixtures.deployment
}
