package main

deny contains msg if {
	input.kind == "ConfigMap"
	input.data.forbidden
	msg := sprintf("ConfigMap %s holds the key forbidden", [input.metadata.name])
}

warn contains msg if {
	input.kind == "ConfigMap"
	input.data.deprecated
	msg := sprintf("ConfigMap %s holds the key deprecated", [input.metadata.name])
}
