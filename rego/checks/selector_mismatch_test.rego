package syncgate.checks_test.selector_mismatch

import data.syncgate.checks.selector_mismatch as check
import data.syncgate.lib.fixtures

test_mismatch_fires if {
	fixtures.fields(check.deny) == ["spec.selector"] with input as fixtures.set(fixtures.rollout, "/spec/selector/matchLabels/app", "api")
}

test_expressions if {
	count(check.deny) == 0 with input as fixtures.set(fixtures.rollout, "/spec/selector/matchExpressions", [{"key": "tier", "operator": "In", "values": ["frontend"]}])
	count(check.deny) == 1 with input as fixtures.set(fixtures.rollout, "/spec/selector/matchExpressions", [{"key": "tier", "operator": "DoesNotExist"}])
}

test_match_passes if {
	count(check.deny) == 0 with input as fixtures.rollout
}

# A Deployment's mismatch is schema/selector's, in the API server's words:
# one mistake, one finding.
test_builtin_left_to_schema if {
	count(check.deny) == 0 with input as fixtures.set(fixtures.deployment, "/spec/selector/matchLabels/app", "api")
}
