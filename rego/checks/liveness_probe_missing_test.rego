package syncgate.checks_test.liveness_probe_missing

import data.syncgate.checks.liveness_probe_missing as check
import data.syncgate.lib.fixtures

test_missing_fires if {
	fixtures.fields(check.deny) == ["spec.template.spec.containers[0]"] with input as fixtures.unset(fixtures.deployment, "/spec/template/spec/containers/0/livenessProbe")
}

test_job_passes if {
	job := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate"}, "spec": {"template": {"spec": {"containers": [{"name": "migrate", "image": "migrate:1.0"}]}}}}
	count(check.deny) == 0 with input as job
}

test_present_passes if {
	count(check.deny) == 0 with input as fixtures.deployment
}
