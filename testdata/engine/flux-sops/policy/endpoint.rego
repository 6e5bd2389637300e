package main

# Quotes the substituted value on purpose: the Gate must mask it.
deny contains msg if {
	input.kind == "ConfigMap"
	endswith(input.data.endpoint, ".internal")
	msg := sprintf("endpoint %s is internal", [input.data.endpoint])
}
