package main

# METADATA
# title: Deployments name an owner
# description: Every Deployment carries a team label so that alerts reach someone.
# custom:
#   id: acme/owner-label
#   severity: warning
#   remediation: Add metadata.labels.team.
deny contains msg if {
	input.kind == "Deployment"
	not input.metadata.labels.team
	msg := sprintf("%s has no team label", [input.metadata.name])
}

# METADATA
# title: Replicas of the target
# custom:
#   severity: info
warn_replicas contains msg if {
	input.kind == "Deployment"
	others := [o | some o in data.syncgate.objects; o.kind == "Deployment"]
	msg := sprintf("one of %d Deployments in the target", [count(others)])
}

deny_unannotated contains "no metadata here" if input.kind == "Deployment"
