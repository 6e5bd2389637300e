package main

# The repository's own rule: every ConfigMap needs an owner label.
deny contains msg if {
	input.kind == "ConfigMap"
	not input.metadata.labels.owner
	msg := sprintf("ConfigMap %s has no owner label", [input.metadata.name])
}
