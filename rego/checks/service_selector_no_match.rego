# METADATA
# title: Service selects no pods of the target
# description: >-
#   A Service whose selector matches no pod template in its namespace of the
#   same target sends its traffic nowhere: usually a label typo. Labels that
#   controllers add to the pods they create (a StatefulSet's pod-name, a
#   Deployment's pod-template-hash, a Job's job-name) match any template.
#   A target that runs no workload is left alone (its pods come from another
#   target), and so is a selector that names a custom resource of the
#   namespace or its kind: an operator makes those pods (prometheus-operator
#   labels them prometheus: NAME, app.kubernetes.io/name: thanos-ruler). A
#   custom resource that merely carries the selector's labels does not count:
#   charts give their ServiceMonitors the labels of their Services.
# custom:
#   id: policy/service-selector-no-match
#   severity: error
#   remediation: >-
#     Make `spec.selector` match the labels of the workload's pod template.
package syncgate.checks.service_selector_no_match

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": "spec.selector"} if {
	input.kind == "Service"
	selector := object.get(input, ["spec", "selector"], {})
	count(selector) > 0
	is_array(k8s.objects)
	count(k8s.workloads) > 0
	not selects_pods(selector)
	not operator_pods(selector)
	msg := sprintf("Service %s selects no pod template in this target (selector %v)", [k8s.name(input), selector])
}

selects_pods(selector) if {
	some w in k8s.workloads
	k8s.same_namespace(w, input)
	k8s.labels_match(template_selector(selector), k8s.template_labels(w))
}

operator_pods(selector) if {
	some obj in operator_resources
	some value in selector
	value in {obj.metadata.name, kebab_case(obj.kind)}
}

operator_resources contains obj if {
	some obj in k8s.objects
	k8s.same_namespace(obj, input)
	k8s.custom_resource(obj)
	not k8s.is_workload(obj)
}

kebab_case(kind) := lower(regex.replace(kind, `([a-z0-9])([A-Z])`, "${1}-${2}"))

# template_selector is the part of a selector that pod templates carry.
template_selector(selector) := {k: v | some k, v in selector; not k in controller_pod_labels}

# controller_pod_labels are set on pods by the controllers that create them.
controller_pod_labels := {
	"statefulset.kubernetes.io/pod-name",
	"apps.kubernetes.io/pod-index",
	"controller-revision-hash",
	"pod-template-hash",
	"rollouts-pod-template-hash",
	"job-name",
	"batch.kubernetes.io/job-name",
	"controller-uid",
	"batch.kubernetes.io/controller-uid",
	"batch.kubernetes.io/job-completion-index",
}
