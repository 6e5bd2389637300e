package main

# to_number fails on "three": by default OPA would leave deny undefined and
# the object would pass; syncgate fails closed.
deny contains "too many replicas" if {
	to_number(input.data.replicas) > 3
}
