package main

deny contains msg if {
	input.kind == "Deployment"
	not input.metadata.labels.team
	msg := sprintf("%s has no team label", [input.metadata.name])
}
