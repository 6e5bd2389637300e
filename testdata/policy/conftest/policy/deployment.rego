package main

import data.lib.kubernetes

deny contains msg if {
	kubernetes.is_deployment
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Containers must not run as root in Deployment %s", [input.metadata.name])
}

deny_missing_labels contains msg if {
	kubernetes.is_deployment
	some label in {"app.kubernetes.io/name", "app.kubernetes.io/part-of"}
	not input.metadata.labels[label]
	msg := sprintf("Deployment %s must carry label %s", [input.metadata.name, label])
}

warn contains {"msg": msg, "details": {"container": c.name}} if {
	some c in kubernetes.containers
	endswith(c.image, ":latest")
	msg := sprintf("container %s uses the latest tag", [c.name])
}

warn_replicas contains msg if {
	kubernetes.is_deployment
	input.spec.replicas < 2
	msg := sprintf("Deployment %s runs %d replica", [input.metadata.name, input.spec.replicas])
}

violation contains {"msg": msg, "details": {"limit": "memory"}} if {
	some c in kubernetes.containers
	not c.resources.limits.memory
	msg := sprintf("container %s has no memory limit", [c.name])
}

# Batch workers may run as root until their image is rebuilt.
exception contains rules if {
	input.metadata.labels["app.kubernetes.io/component"] == "batch"
	rules := [""]
}

# Jobs' pods are labelled by the Job controller.
exception contains rules if {
	input.metadata.labels["app.kubernetes.io/managed-by"] == "job-controller"
	rules := ["missing_labels"]
}
