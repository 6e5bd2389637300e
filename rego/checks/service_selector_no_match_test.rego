package syncgate.checks_test.service_selector_no_match

import data.syncgate.checks.service_selector_no_match as check
import data.syncgate.lib.fixtures

test_typo_fires if {
	svc := fixtures.set(fixtures.service, "/spec/selector/app", "webb")
	fixtures.fields(check.deny) == ["spec.selector"] with input as svc with data.syncgate.objects as [fixtures.deployment, svc]
}

test_other_namespace_fires if {
	svc := fixtures.set(fixtures.service, "/metadata/namespace", "other")
	fixtures.fields(check.deny) == ["spec.selector"] with input as svc with data.syncgate.objects as [fixtures.deployment, svc]
}

test_match_passes if {
	count(check.deny) == 0 with input as fixtures.service with data.syncgate.objects as fixtures.objects
	headless := fixtures.unset(fixtures.service, "/spec/selector")
	count(check.deny) == 0 with input as headless with data.syncgate.objects as [headless]
}

test_controller_set_labels_pass if {
	sts := fixtures.set(fixtures.set(fixtures.deployment, "/kind", "StatefulSet"), "/metadata/name", "redis")
	svc := fixtures.set(fixtures.service, "/spec/selector/statefulset.kubernetes.io~1pod-name", "redis-0")
	count(check.deny) == 0 with input as svc with data.syncgate.objects as [sts, svc]
	typo := fixtures.set(svc, "/spec/selector/app", "webb")
	count(check.deny) == 1 with input as typo with data.syncgate.objects as [sts, typo]
}

test_operator_made_pods_pass if {
	# prometheus-operator makes pods labelled prometheus: NAME and
	# app.kubernetes.io/name: thanos-ruler from its custom resources.
	prom := {"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "metadata": {"name": "main", "namespace": "shop"}}
	ruler := {"apiVersion": "monitoring.coreos.com/v1", "kind": "ThanosRuler", "metadata": {"name": "r", "namespace": "shop"}}
	by_name := fixtures.set(fixtures.service, "/spec/selector", {"prometheus": "main"})
	by_kind := fixtures.set(fixtures.service, "/spec/selector", {"app.kubernetes.io/name": "thanos-ruler"})
	objects := [fixtures.deployment, prom, ruler, by_name, by_kind]
	count(check.deny) == 0 with input as by_name with data.syncgate.objects as objects
	count(check.deny) == 0 with input as by_kind with data.syncgate.objects as objects
	monitor := {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "web-monitor", "namespace": "shop", "labels": {"app": "webb"}}}
	labelled := fixtures.set(fixtures.service, "/spec/selector/app", "webb")
	count(check.deny) == 1 with input as labelled with data.syncgate.objects as [fixtures.deployment, monitor, labelled]
	typo := fixtures.set(fixtures.service, "/spec/selector", {"prometheus": "mian"})
	count(check.deny) == 1 with input as typo with data.syncgate.objects as [fixtures.deployment, prom, typo]
}

test_target_without_workloads_passes if {
	svc := fixtures.set(fixtures.service, "/spec/selector/app", "webb")
	count(check.deny) == 0 with input as svc with data.syncgate.objects as [svc]
}
