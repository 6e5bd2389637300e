package syncgate.checks_test.pdb_single_replica

import data.syncgate.checks.pdb_single_replica as check
import data.syncgate.lib.fixtures

one := fixtures.set(fixtures.deployment, "/spec/replicas", 1)

pinning := fixtures.set(fixtures.unset(fixtures.pdb, "/spec/maxUnavailable"), "/spec/minAvailable", 1)

test_single_replica_with_min_available_fires if {
	fixtures.fields(check.deny) == ["spec.replicas"] with input as one with data.syncgate.objects as [one, pinning]
	hpa1 := fixtures.set(fixtures.hpa, "/spec/minReplicas", 1)
	fixtures.fields(check.deny) == [""] with input as fixtures.deployment with data.syncgate.objects as [fixtures.deployment, pinning, hpa1]
}

test_hpa_keeps_two_passes if {
	count(check.deny) == 0 with input as one with data.syncgate.objects as [one, pinning, fixtures.hpa]
}

test_max_unavailable_passes if {
	count(check.deny) == 0 with input as one with data.syncgate.objects as [one, fixtures.pdb]
	count(check.deny) == 0 with input as one with data.syncgate.objects as [one]
}
