# METADATA
# title: Ingress routes to a Service the target does not define
# description: >-
#   An Ingress backend that names no Service of its namespace in the same
#   target answers 503.
# custom:
#   id: policy/ingress-service-missing
#   severity: error
#   remediation: >-
#     Point the backend at an existing Service, or add the Service to the
#     target.
package syncgate.checks.ingress_service_missing

import data.syncgate.lib.k8s

# One finding per missing Service, on the first backend that names it.
deny contains {"msg": msg, "field": min({f | some [f, n] in backends; n == name})} if {
	input.kind == "Ingress"
	is_array(k8s.objects)
	some name in {n | some [_, n] in backends}
	not defined(name)
	msg := sprintf("Ingress %s routes to Service %s, which this target does not define", [k8s.name(input), name])
}

# backends are the Services the Ingress routes to, each as [field, name],
# field being the dotted path of the name.
backends contains ["spec.defaultBackend.service.name", name] if {
	backend := input.spec.defaultBackend
	not action(backend)
	name := backend.service.name
}

backends contains [sprintf("spec.rules[%d].http.paths[%d].backend.service.name", [i, j]), name] if {
	some i, rule in object.get(input, ["spec", "rules"], [])
	some j, path in object.get(rule, ["http", "paths"], [])
	not action(path.backend)
	name := path.backend.service.name
}

# action(backend) holds for an AWS Load Balancer Controller action: the
# port "use-annotation" says the name is that of an
# alb.ingress.kubernetes.io/actions.NAME annotation (which Argo Rollouts
# writes for canaries), not of a Service.
action(backend) if backend.service.port.name == "use-annotation"

defined(name) if {
	some svc in k8s.objects
	svc.kind == "Service"
	k8s.same_namespace(svc, input)
	k8s.name(svc) == name
}
