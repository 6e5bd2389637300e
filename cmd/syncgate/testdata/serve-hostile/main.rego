# The policies of the serve hostile-input suite (TestHostileServe): a
# ConfigMap with the key forbidden is denied, and one annotated
# hostile/slow keeps the evaluation busy until serve's --policy-timeout
# stops it, holding its slot of --max-inflight for that long.
package main

deny contains msg if {
	input.kind == "ConfigMap"
	input.data.forbidden
	msg := sprintf("ConfigMap %s holds the key forbidden", [input.metadata.name])
}

deny contains "counted too far" if {
	input.metadata.annotations["hostile/slow"]
	count([x | some x in numbers.range(1, 1000000000)]) > 0
}
