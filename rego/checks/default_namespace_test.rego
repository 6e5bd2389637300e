package syncgate.checks_test.default_namespace

import data.syncgate.checks.default_namespace as check
import data.syncgate.lib.fixtures

test_default_fires if {
	fixtures.fields(check.deny) == ["metadata.namespace"] with input as fixtures.set(fixtures.deployment, "/metadata/namespace", "default")
}

test_own_namespace_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
