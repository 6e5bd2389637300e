package change

# Objects are checked one by one in package main; this package sees each
# change: input.operation, input.old, input.new, input.target.

deny_image_downgrade contains msg if {
	input.operation == "UPDATE"
	old := input.old.spec.template.spec.containers[_]
	new := input.new.spec.template.spec.containers[_]
	old.name == new.name
	old.image != new.image
	endswith(new.image, ":0.9")
	msg := sprintf("container %s is rolled back to %s in target %s", [new.name, new.image, input.target])
}

warn_label_removed contains msg if {
	input.operation == "UPDATE"
	some key, _ in object.get(input.old, ["metadata", "labels"], {})
	not key in object.keys(object.get(input.new, ["metadata", "labels"], {}))
	msg := sprintf("label %s is removed", [key])
}

deny_delete contains msg if {
	input.operation == "DELETE"
	input.old.kind == "Namespace"
	msg := sprintf("namespace %s is deleted", [input.old.metadata.name])
}

violation_secret_changed contains msg if {
	input.operation == "UPDATE"
	input.old.kind == "Secret"
	input.old.stringData != input.new.stringData
	msg := sprintf("secret value %s became %s", [input.old.stringData.password, input.new.stringData.password])
}

deny_bad_number contains msg if {
	input.new.metadata.annotations.number
	to_number(input.new.metadata.annotations.number) > 0
	msg := "unreachable"
}

# A label removal on the legacy object is accepted.
exception contains ["label_removed"] if input.old.metadata.name == "legacy"
