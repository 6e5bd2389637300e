package syncgate.checks_test.host_path_volume

import data.syncgate.checks.host_path_volume as check
import data.syncgate.lib.fixtures

test_host_path_fires if {
	count(check.deny) == 1 with input as fixtures.pod("volumes/-", {"name": "logs", "hostPath": {"path": "/var/log"}})
}

test_empty_dir_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
