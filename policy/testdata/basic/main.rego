package main

deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s must run as non-root", [input.metadata.name])
}

warn_latest contains {"msg": msg} if {
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses a latest tag", [c.name])
}

violation contains "objects may not live in the default namespace" if input.metadata.namespace == "default"

is_deployment if input.kind == "Deployment"
