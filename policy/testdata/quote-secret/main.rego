package main

# A careless (or hostile) rule that quotes another object's Secret data.
warn contains msg if {
	input.kind == "Deployment"
	some obj in data.syncgate.objects
	obj.kind == "Secret"
	msg := sprintf("%s shares a target with a Secret holding %v", [input.metadata.name, obj.stringData])
}
