# The Rego of make bench-serve: rules a platform team writes for its
# workloads, in conftest's conventions. syncgate serve and opa run --server
# evaluate the same file on the same Deployment.
package main

workload if input.kind in {"Deployment", "StatefulSet", "DaemonSet"}

containers contains c if {
	workload
	some c in input.spec.template.spec.containers
}

deny contains msg if {
	workload
	some label in {"app.kubernetes.io/name", "team"}
	not input.metadata.labels[label]
	msg := sprintf("%s %s must carry the label %s", [input.kind, input.metadata.name, label])
}

deny contains msg if {
	some c in containers
	not contains(c.image, "@sha256:")
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses the latest tag", [c.name])
}

deny contains msg if {
	some c in containers
	not c.resources.limits.memory
	msg := sprintf("container %s has no memory limit", [c.name])
}

deny contains msg if {
	workload
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s %s may run as root", [input.kind, input.metadata.name])
}

deny contains msg if {
	some c in containers
	not startswith(c.image, "registry.example.com/")
	msg := sprintf("container %s pulls from outside registry.example.com", [c.name])
}

warn contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("Deployment %s runs one replica", [input.metadata.name])
}
