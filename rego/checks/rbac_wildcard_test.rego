package syncgate.checks_test.rbac_wildcard

import data.syncgate.checks.rbac_wildcard as check
import data.syncgate.lib.fixtures

test_wildcard_fires if {
	fixtures.fields(check.deny) == ["rules[0].verbs"] with input as fixtures.set(fixtures.role, "/rules/0/verbs", ["*"])
	fixtures.fields(check.deny) == ["rules[0].resources", "rules[0].verbs"] with input as fixtures.set(fixtures.set(fixtures.role, "/rules/0/verbs", ["*"]), "/rules/0/resources", ["*"])
}

test_narrow_passes if {
	count(check.deny) == 0 with input as fixtures.role
}
