package syncgate.lib.k8s_test

import data.syncgate.lib.fixtures
import data.syncgate.lib.k8s

labels := {"app": "web", "tier": "frontend"}

test_match_labels if {
	k8s.selector_matches({"matchLabels": {"app": "web"}}, labels)
	not k8s.selector_matches({"matchLabels": {"app": "api"}}, labels)
	k8s.selector_matches({}, labels)
}

test_match_expressions if {
	k8s.selector_matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["frontend", "edge"]}]}, labels)
	not k8s.selector_matches({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["backend"]}]}, labels)
	k8s.selector_matches({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["backend"]}]}, labels)
	k8s.selector_matches({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["a"]}]}, labels)
	not k8s.selector_matches({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["frontend"]}]}, labels)
	k8s.selector_matches({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, labels)
	k8s.selector_matches({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}, labels)
	not k8s.selector_matches({"matchExpressions": [{"key": "zone", "operator": "Exists"}]}, labels)
	not k8s.selector_matches({"matchExpressions": [{"key": "app", "operator": "Bogus"}]}, labels)
}

test_pod_spec_of_every_workload if {
	spec := {"containers": [{"name": "c", "image": "x:1"}]}
	k8s.pod_spec({"kind": "Pod", "spec": spec}) == spec
	k8s.pod_spec({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}) == spec
	every kind in k8s.workload_kinds - {"Pod", "CronJob"} {
		k8s.pod_spec({"kind": kind, "spec": {"template": {"spec": spec}}}) == spec
	}
	k8s.pod_spec({"kind": "Rollout", "spec": {"template": {"spec": spec}}}) == spec
	k8s.pod_spec({"apiVersion": "serving.knative.dev/v1", "kind": "Service", "spec": {"template": {"spec": spec}}}) == spec
	not k8s.pod_spec({"apiVersion": "v1", "kind": "Service", "spec": {"selector": {"app": "web"}}})
	not k8s.pod_spec({"kind": "Rollout", "spec": {"workloadRef": {"kind": "Deployment", "name": "web"}}})
	not k8s.pod_spec({"kind": "Prometheus", "spec": {"containers": spec.containers}})
}

# An object of two shapes has one pod template, its spec.template.
test_pod_spec_of_two_shapes if {
	spec := {"containers": [{"name": "c", "image": "x:1"}]}
	other := {"containers": [{"name": "d", "image": "y:1"}]}
	k8s.pod_spec({"kind": "Pod", "spec": {"containers": other.containers, "template": {"spec": spec}}}) == spec
	k8s.pod_spec({"kind": "X", "spec": {"jobTemplate": {"spec": {"template": {"spec": other}}}, "template": {"spec": spec}}}) == spec
}

test_name_of_a_generated_object if {
	k8s.name({"metadata": {"name": "web"}}) == "web"
	k8s.name({"metadata": {"generateName": "db-migrate-"}}) == "db-migrate-"
	k8s.name({}) == ""
}

test_containers_include_init_and_ephemeral if {
	d := fixtures.pod("initContainers", [{"name": "init", "image": "x:1"}])
	[c.name | some c in k8s.containers(d)] == ["init", "app"]
	[c.name | some c in k8s.app_containers(d)] == ["app"]
}

test_min_replicas if {
	k8s.min_replicas(fixtures.deployment) == 2 with data.syncgate.objects as [fixtures.deployment]
	k8s.min_replicas(fixtures.unset(fixtures.deployment, "/spec/replicas")) == 1 with data.syncgate.objects as []
	hpa3 := fixtures.set(fixtures.hpa, "/spec/minReplicas", 3)
	k8s.min_replicas(fixtures.deployment) == 3 with data.syncgate.objects as [fixtures.deployment, hpa3]
}

test_nearest_names_the_deepest_existing_field if {
	c := {"name": "app", "resources": {"limits": {"memory": "1Gi"}}, "securityContext": {"runAsNonRoot": false}}
	k8s.nearest("spec.containers[0]", c, ["resources", "limits", "cpu"]) == "spec.containers[0].resources.limits"
	k8s.nearest("spec.containers[0]", c, ["livenessProbe"]) == "spec.containers[0]"
	k8s.nearest("spec.containers[0]", c, ["securityContext", "runAsNonRoot"]) == "spec.containers[0].securityContext.runAsNonRoot"
	k8s.nearest("", {"spec": {"replicas": 1}}, ["spec", "replicas"]) == "spec.replicas"
	k8s.nearest("", {"spec": {}}, ["spec", "replicas"]) == "spec"
}
