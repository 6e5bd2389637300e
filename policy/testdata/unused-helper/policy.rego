package main

# A helper no reported rule uses fails on every object (to_number of a
# name). conftest asks only for deny, warn and violation, so it never runs;
# neither may syncgate's evaluation, or a library of helpers would block.
name_number := to_number(input.metadata.name)

deny contains msg if {
	input.kind == "Deployment"
	msg := sprintf("%s must run as non-root", [input.metadata.name])
}
