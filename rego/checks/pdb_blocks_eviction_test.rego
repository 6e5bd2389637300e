package syncgate.checks_test.pdb_blocks_eviction

import data.syncgate.checks.pdb_blocks_eviction as check
import data.syncgate.lib.fixtures

test_zero_unavailable_fires if {
	fixtures.fields(check.deny) == ["spec.maxUnavailable"] with input as fixtures.set(fixtures.pdb, "/spec/maxUnavailable", 0)
}

test_min_available_all_fires if {
	pdb := fixtures.set(fixtures.unset(fixtures.pdb, "/spec/maxUnavailable"), "/spec/minAvailable", 2)
	fixtures.fields(check.deny) == ["spec.minAvailable"] with input as pdb with data.syncgate.objects as [fixtures.deployment, pdb]
}

test_min_available_below_passes if {
	pdb := fixtures.set(fixtures.unset(fixtures.pdb, "/spec/maxUnavailable"), "/spec/minAvailable", 1)
	count(check.deny) == 0 with input as pdb with data.syncgate.objects as [fixtures.deployment, pdb]
	count(check.deny) == 0 with input as fixtures.pdb with data.syncgate.objects as fixtures.objects
}
