package syncgate.checks_test.env_duplicate

import data.syncgate.checks.env_duplicate as check
import data.syncgate.lib.fixtures

test_duplicate_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].env[1].name"] with input as fixtures.container("env/-", {"name": "LOG_LEVEL", "value": "debug"})
}

test_unique_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
