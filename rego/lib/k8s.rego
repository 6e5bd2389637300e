# Helpers the bundled checks share: where a workload keeps its pod spec,
# its containers, label selectors, and the other objects of the target.
package syncgate.lib.k8s

# Built-in kinds that run pods, and those of them that run for good (as
# opposed to Jobs, which finish). Argo Rollouts run for good too.
workload_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}

long_running_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Rollout"}

# replicated_kinds are the workloads whose replicas a PodDisruptionBudget
# is weighed against.
replicated_kinds := {"Deployment", "StatefulSet", "Rollout"}

# pod_template(obj) is the pod template of a workload (a Pod is its own).
# Workloads are found by shape, not kind, so that custom ones count:
# Argo Rollouts, Knative Services, OpenKruise CloneSets keep a pod
# template under spec.template as Deployments do, CronJobs one level
# deeper. A Rollout with a workloadRef has no template of its own: the
# Deployment it names is the workload.
# An object of more than one shape is taken by its spec.template, so that
# the function has one value. (The negations go through a helper: OPA
# would evaluate a nested reference outside them.)
pod_template(obj) := obj if {
	obj.kind == "Pod"
	is_array(obj.spec.containers)
	not has_template(obj)
}

pod_template(obj) := obj.spec.template if has_template(obj)

pod_template(obj) := obj.spec.jobTemplate.spec.template if {
	is_array(obj.spec.jobTemplate.spec.template.spec.containers)
	not has_template(obj)
}

has_template(obj) if is_array(obj.spec.template.spec.containers)

# is_workload(obj) holds when obj runs pods.
is_workload(obj) if pod_template(obj)

# pod_spec(obj) is the pod spec of a workload.
pod_spec(obj) := pod_template(obj).spec

# template_labels(obj) are the labels of a workload's pods.
template_labels(obj) := object.get(pod_template(obj), ["metadata", "labels"], {})

# containers(obj) are every container of a workload: init, regular and
# ephemeral.
containers(obj) := [c |
	some field in ["initContainers", "containers", "ephemeralContainers"]
	some c in object.get(pod_spec(obj), field, [])
]

# containers_at(obj) are the containers of containers(obj), each as
# [field, container], field being the dotted path of the container in obj
# (spec.template.spec.containers[0]): a finding that names a field is
# placed on the line that writes it.
containers_at(obj) := [[sprintf("%s.%s[%d]", [pod_spec_path(obj), field, i]), c] |
	some field in ["initContainers", "containers", "ephemeralContainers"]
	some i, c in object.get(pod_spec(obj), field, [])
]

# pod_spec_path(obj) is the dotted path of pod_spec(obj) in obj.
pod_spec_path(obj) := "spec" if pod_template(obj) == obj

pod_spec_path(obj) := "spec.template.spec" if {
	pod_template(obj) != obj
	has_template(obj)
}

pod_spec_path(obj) := "spec.jobTemplate.spec.template.spec" if {
	pod_template(obj) != obj
	not has_template(obj)
}

# app_containers(obj) are the regular containers, those that serve.
app_containers(obj) := object.get(pod_spec(obj), "containers", [])

# app_containers_at(obj) are app_containers(obj) as containers_at(obj)
# gives them.
app_containers_at(obj) := [[sprintf("%s.containers[%d]", [pod_spec_path(obj), i]), c] |
	some i, c in app_containers(obj)
]

# nearest(at, value, keys) is the dotted path of the deepest field of
# value along keys that value holds, value being the field at the dotted
# path at ("" for the object). A finding about a missing field names its
# nearest existing parent (the container, for a missing
# resources.limits.cpu): the line to add the field at.
nearest(at, value, keys) := concat(".", [p |
	some p in array.concat([at], array.slice(keys, 0, n))
	p != ""
]) if {
	n := max({i |
		some i in numbers.range(0, count(keys))
		object.get(value, array.slice(keys, 0, i), null) != null
	})
}

# namespace(obj) is the object's namespace, "" when it names none.
namespace(obj) := object.get(obj, ["metadata", "namespace"], "")

# security_context(c, obj, field) is a container's security context
# field, else the pod's.
security_context(c, _, field) := c.securityContext[field]

security_context(c, obj, field) := pod_spec(obj).securityContext[field] if {
	not has_key(object.get(c, "securityContext", {}), field)
}

has_key(obj, key) if _ = obj[key]

# labels_match(want, labels) holds when labels carry every key and value
# of want: a Service selector or a matchLabels.
labels_match(want, labels) if {
	every k, v in want {
		labels[k] == v
	}
}

# selector_matches(selector, labels) holds when a label selector with
# matchLabels and matchExpressions selects labels.
selector_matches(selector, labels) if {
	labels_match(object.get(selector, "matchLabels", {}), labels)
	every expr in object.get(selector, "matchExpressions", []) {
		expression_matches(expr, labels)
	}
}

expression_matches(expr, labels) if {
	expr.operator == "In"
	value_in(expr, labels)
}

# OPA evaluates the nested reference of `not labels[expr.key] in ...`
# outside the negation, so NotIn goes through a helper: a missing key
# matches NotIn, as in Kubernetes.
expression_matches(expr, labels) if {
	expr.operator == "NotIn"
	not value_in(expr, labels)
}

value_in(expr, labels) if labels[expr.key] in expr.values

expression_matches(expr, labels) if {
	expr.operator == "Exists"
	has_key(labels, expr.key)
}

expression_matches(expr, labels) if {
	expr.operator == "DoesNotExist"
	not has_key(labels, expr.key)
}

# objects are every object of the render target.
objects := data.syncgate.objects

# custom_resource(obj) holds for objects of an API group that is not
# Kubernetes' own (core, apps, batch, ... and *.k8s.io).
custom_resource(obj) if {
	group := split(obj.apiVersion, "/")[0]
	contains(group, ".")
	not endswith(group, ".k8s.io")
}

# workloads are the objects of the target that run pods.
workloads contains obj if {
	some obj in objects
	is_workload(obj)
}

# same_namespace(a, b) holds when two objects live in one namespace.
same_namespace(a, b) if namespace(a) == namespace(b)

# hpas(obj) are the HorizontalPodAutoscalers of the target that scale obj.
hpas(obj) := [hpa |
	some hpa in objects
	hpa.kind == "HorizontalPodAutoscaler"
	same_namespace(hpa, obj)
	hpa.spec.scaleTargetRef.kind == obj.kind
	hpa.spec.scaleTargetRef.name == obj.metadata.name
]

# min_replicas(obj) is the fewest pods a Deployment or StatefulSet runs:
# its autoscalers' minReplicas (1 unset) when any scales it, else its
# replicas (1 unset).
min_replicas(obj) := min([object.get(h, ["spec", "minReplicas"], 1) | some h in hpas(obj)]) if count(hpas(obj)) > 0

min_replicas(obj) := object.get(obj, ["spec", "replicas"], 1) if count(hpas(obj)) == 0

# name(obj) is the object's name; for an object the API server names
# (an Argo CD hook Job), its generateName.
name(obj) := object.get(obj, ["metadata", "name"], object.get(obj, ["metadata", "generateName"], ""))
