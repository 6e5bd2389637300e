package main

deny_nodeport contains msg if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service %s must not be of type NodePort", [input.metadata.name])
}

warn_port_name contains msg if {
	input.kind == "Service"
	some p in input.spec.ports
	not p.name
	msg := sprintf("Service %s: port %d has no name", [input.metadata.name, p.port])
}

# Not a conftest rule name: a helper that is never reported.
denied_kinds := {"PodSecurityPolicy"}

deny contains msg if {
	input.kind in denied_kinds
	msg := sprintf("%s is removed from Kubernetes", [input.kind])
}
