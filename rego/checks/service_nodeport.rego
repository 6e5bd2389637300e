# METADATA
# title: Service is of type NodePort
# description: >-
#   A NodePort Service opens its port on every node, outside Ingress and
#   load balancer controls.
# custom:
#   id: policy/service-nodeport
#   severity: warning
#   remediation: >-
#     Use a ClusterIP Service behind an Ingress, or a LoadBalancer Service.
package syncgate.checks.service_nodeport

import data.syncgate.lib.k8s

deny contains {"msg": msg, "field": "spec.type"} if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service %s is of type NodePort", [k8s.name(input)])
}
