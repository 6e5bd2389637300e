package syncgate.checks_test.rbac_secrets_access

import data.syncgate.checks.rbac_secrets_access as check
import data.syncgate.lib.fixtures

test_list_secrets_fires if {
	role := fixtures.set(fixtures.set(fixtures.role, "/rules/0/resources", ["secrets"]), "/rules/0/verbs", ["list"])
	fixtures.fields(check.deny) == ["rules[0]"] with input as role
}

test_reading_verbs_are_one_finding if {
	role := fixtures.set(fixtures.set(fixtures.role, "/rules/0/resources", ["secrets"]), "/rules/0/verbs", ["watch", "get", "list", "create"])
	check.deny == {{"msg": "Role web-config-reader may get, list, watch every Secret", "field": "rules[0]"}} with input as role
}

test_named_secret_passes if {
	role := fixtures.set(fixtures.set(fixtures.role, "/rules/0/resources", ["secrets"]), "/rules/0/resourceNames", ["web-tls"])
	count(check.deny) == 0 with input as role
	count(check.deny) == 0 with input as fixtures.role
}
