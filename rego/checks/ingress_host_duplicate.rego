# METADATA
# title: Two Ingresses claim the same host and path
# description: >-
#   When two Ingresses of a target route the same host and path, the
#   controller picks one of them and the other's traffic goes astray.
# custom:
#   id: policy/ingress-host-duplicate
#   severity: error
#   remediation: >-
#     Give each Ingress its own host or path, or merge them.
package syncgate.checks.ingress_host_duplicate

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": sprintf("spec.rules[%d].host", [i])} if {
	input.kind == "Ingress"
	some i, rule in object.get(input, ["spec", "rules"], [])
	host := rule.host
	path := routes(input)[host]
	some other in k8s.objects
	other.kind == "Ingress"
	not same_object(other)
	routes(other)[host] == path
	msg := sprintf("Ingress %s: host %s path %s is also routed by Ingress %s/%s", [k8s.name(input), host, path, k8s.namespace(other), k8s.name(other)])
}

routes(ing) := {rule.host: path.path |
	some rule in object.get(ing, ["spec", "rules"], [])
	rule.host
	some path in object.get(rule, ["http", "paths"], [{"path": "/"}])
}

same_object(other) if {
	k8s.name(other) == k8s.name(input)
	k8s.same_namespace(other, input)
}
