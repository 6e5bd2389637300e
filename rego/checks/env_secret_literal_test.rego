package syncgate.checks_test.env_secret_literal

import data.syncgate.checks.env_secret_literal as check
import data.syncgate.lib.fixtures

test_literal_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].env[1].value"] with input as fixtures.container("env/-", {"name": "DB_PASSWORD", "value": "not-a-real-one"})
}

test_secret_ref_passes if {
	count(check.deny) == 0 with input as fixtures.container("env/-", {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}})
	count(check.deny) == 0 with input as fixtures.deployment
}
