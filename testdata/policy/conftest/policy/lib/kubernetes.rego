package lib.kubernetes

is_deployment if input.kind == "Deployment"

containers contains c if {
	is_deployment
	some c in input.spec.template.spec.containers
}
