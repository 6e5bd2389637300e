# Objects that pass every bundled check: the checks' tests change one
# field of them to make a check fire.
package syncgate.lib.fixtures

import data.syncgate.lib.k8s

deployment := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {
		"replicas": 2,
		"selector": {"matchLabels": {"app": "web"}},
		"template": {
			"metadata": {"labels": {"app": "web", "tier": "frontend"}},
			"spec": {
				"serviceAccountName": "web",
				"automountServiceAccountToken": false,
				"securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
				"containers": [{
					"name": "app",
					"image": "registry.example.com/shop/web:1.4.2",
					"ports": [{"name": "http", "containerPort": 8080}],
					"env": [{"name": "LOG_LEVEL", "value": "info"}],
					"resources": {
						"requests": {"cpu": "100m", "memory": "128Mi"},
						"limits": {"cpu": "500m", "memory": "256Mi"},
					},
					"livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
					"readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
					"securityContext": {
						"allowPrivilegeEscalation": false,
						"readOnlyRootFilesystem": true,
						"capabilities": {"drop": ["ALL"]},
					},
				}],
				"volumes": [{"name": "tmp", "emptyDir": {}}],
			},
		},
	},
}

service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
}

pdb := {
	"apiVersion": "policy/v1",
	"kind": "PodDisruptionBudget",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}},
}

serviceaccount := {
	"apiVersion": "v1",
	"kind": "ServiceAccount",
	"metadata": {"name": "web", "namespace": "shop"},
}

ingress := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"rules": [{
		"host": "shop.example.com",
		"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"name": "http"}}}}]},
	}]},
}

hpa := {
	"apiVersion": "autoscaling/v2",
	"kind": "HorizontalPodAutoscaler",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 6},
}

role := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": "Role",
	"metadata": {"name": "web-config-reader", "namespace": "shop"},
	"rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}],
}

rolebinding := {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": "RoleBinding",
	"metadata": {"name": "web-config-reader", "namespace": "shop"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "web-config-reader"},
	"subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}],
}

objects := [deployment, service, pdb, serviceaccount, ingress, hpa, role, rolebinding]

# denied are the checks that fire on input.
denied contains name if {
	some name, check in data.syncgate.checks
	count(check.deny) > 0
}

test_good_objects_pass_every_check if {
	failures := [[obj.kind, names] |
		some obj in objects
		names := denied with input as obj with data.syncgate.objects as objects
		count(names) > 0
	]
	print("failing:", failures)
	failures == []
}

# set(obj, path, value) is obj with the field at the JSON pointer path set.
set(obj, path, value) := json.patch(obj, [{"op": "add", "path": path, "value": value}])

# unset(obj, path) is obj without the field at the JSON pointer path.
unset(obj, path) := json.patch(obj, [{"op": "remove", "path": path}])

# fields(deny) are the fields of a check's results, sorted: the tests
# assert where each finding is placed.
fields(deny) := sort([r.field | some r in deny])

# container(path, value) is the deployment with a field of its container set.
container(path, value) := set(deployment, concat("", ["/spec/template/spec/containers/0/", path]), value)

# pod(path, value) is the deployment with a field of its pod spec set.
pod(path, value) := set(deployment, concat("", ["/spec/template/spec/", path]), value)

# Workloads of well-known shapes the checks must not mistake for anything
# else: an Argo Rollout with its own pod template, one that takes its pods
# from a Deployment (workloadRef; the Deployment scaled to zero), and an
# Argo CD hook Job the API server names from generateName. Each comes with
# the Service, budget and autoscaler that refer to it.
rollout := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Rollout",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {
		"replicas": 3,
		"selector": {"matchLabels": {"app": "web"}},
		"strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
		"template": deployment.spec.template,
	},
}

rollout_hpa := set(hpa, "/spec/scaleTargetRef", {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "web"})

rollout_objects := [rollout, service, pdb, serviceaccount, ingress, rollout_hpa]

referenced := set(set(deployment, "/metadata/name", "web-pods"), "/spec/replicas", 0)

workload_ref_rollout := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Rollout",
	"metadata": {"name": "web", "namespace": "shop"},
	"spec": {
		"replicas": 3,
		"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web-pods", "scaleDown": "onsuccess"},
		"strategy": {"blueGreen": {"activeService": "web"}},
	},
}

pinning_pdb := set(unset(pdb, "/spec/maxUnavailable"), "/spec/minAvailable", 1)

workload_ref_objects := [workload_ref_rollout, referenced, service, pinning_pdb, serviceaccount, ingress, rollout_hpa]

hook_job := {
	"apiVersion": "batch/v1",
	"kind": "Job",
	"metadata": {
		"generateName": "db-migrate-",
		"namespace": "shop",
		"annotations": {"argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation"},
	},
	"spec": {
		"backoffLimit": 2,
		"template": {
			"metadata": {"labels": {"app": "db-migrate"}},
			"spec": json.patch(deployment.spec.template.spec, [
				{"op": "add", "path": "/restartPolicy", "value": "Never"},
				{"op": "remove", "path": "/containers/0/livenessProbe"},
				{"op": "remove", "path": "/containers/0/readinessProbe"},
				{"op": "remove", "path": "/containers/0/ports"},
			]),
		},
	},
}

hook_objects := array.concat(objects, [hook_job])

# every_check_passes(set) holds when no check fires on any object of a
# target holding set.
every_check_passes(set) if {
	failures := [[obj.kind, k8s.name(obj), names] |
		some obj in set
		names := denied with input as obj with data.syncgate.objects as set
		count(names) > 0
	]
	print("failing:", failures)
	failures == []
}

test_rollout_passes_every_check if every_check_passes(rollout_objects)

test_workload_ref_rollout_passes_every_check if every_check_passes(workload_ref_objects)

test_hook_job_passes_every_check if every_check_passes(hook_objects)

# The checks see a Rollout's pods: a privileged container in one is found.
test_rollout_pod_template_is_checked if {
	privileged := set(rollout, "/spec/template/spec/containers/0/securityContext/privileged", true)
	"privileged_container" in denied with input as privileged with data.syncgate.objects as [privileged]
}
