package main

# to_number fails on a name that is not a number: the rule must fail the
# check, not quietly stay undefined.
deny contains "replica name is too large" if {
	to_number(input.metadata.name) > 3
}
