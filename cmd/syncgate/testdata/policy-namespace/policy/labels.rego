# A policy outside package main: it runs only when --policy-namespace
# names its package, or with --all-policy-namespaces.
package labels

deny contains msg if {
	not input.metadata.labels.team
	msg := sprintf("%s %s has no team label", [input.kind, input.metadata.name])
}
