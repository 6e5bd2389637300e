package syncgate.checks_test.host_path_volume

import data.syncgate.checks.host_path_volume as check
import data.syncgate.lib.fixtures

test_host_path_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.volumes[1].hostPath"] with input as fixtures.pod("volumes/-", {"name": "logs", "hostPath": {"path": "/var/log"}})
}

test_empty_dir_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
