package syncgate.checks_test.ingress_service_missing

import data.syncgate.checks.ingress_service_missing as check
import data.syncgate.lib.fixtures

test_missing_fires if {
	ing := fixtures.set(fixtures.ingress, "/spec/rules/0/http/paths/0/backend/service/name", "web-v2")
	fixtures.fields(check.deny) == ["spec.rules[0].http.paths[0].backend.service.name"] with input as ing with data.syncgate.objects as fixtures.objects
}

test_default_backend_fires if {
	ing := fixtures.set(fixtures.ingress, "/spec/defaultBackend", {"service": {"name": "fallback", "port": {"number": 80}}})
	fixtures.fields(check.deny) == ["spec.defaultBackend.service.name"] with input as ing with data.syncgate.objects as fixtures.objects
}

test_present_passes if {
	count(check.deny) == 0 with input as fixtures.ingress with data.syncgate.objects as fixtures.objects
}

test_alb_action_passes if {
	ing := fixtures.set(fixtures.ingress, "/spec/rules/0/http/paths/0/backend/service", {"name": "web-root", "port": {"name": "use-annotation"}})
	count(check.deny) == 0 with input as ing with data.syncgate.objects as fixtures.objects
}
