package syncgate.checks_test.memory_requests_missing

import data.syncgate.checks.memory_requests_missing as check
import data.syncgate.lib.fixtures

test_missing_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].resources"] with input as fixtures.container("resources", {})
}

test_missing_resources_fire_at_the_container if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0]"] with input as fixtures.unset(fixtures.deployment, "/spec/template/spec/containers/0/resources")
	only := fixtures.container("resources", {"requests": {"cpu": "1"}})
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0].resources.requests"] with input as only
}

test_set_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
