package syncgate.checks_test.host_path_sensitive

import data.syncgate.checks.host_path_sensitive as check
import data.syncgate.lib.fixtures

test_socket_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.volumes[1].hostPath.path"] with input as fixtures.pod("volumes/-", {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}})
}

test_root_and_etc_fire if {
	count(check.deny) == 1 with input as fixtures.pod("volumes/-", {"name": "root", "hostPath": {"path": "/"}})
	count(check.deny) == 1 with input as fixtures.pod("volumes/-", {"name": "etc", "hostPath": {"path": "/etc/kubernetes/"}})
}

test_log_dir_passes if {
	count(check.deny) == 0 with input as fixtures.pod("volumes/-", {"name": "logs", "hostPath": {"path": "/var/log/app"}})
	count(check.deny) == 0 with input as fixtures.deployment
}
