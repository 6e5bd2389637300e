package main

deny contains msg if {
	print("endpoint", input.data.endpoint)
	msg := sprintf("endpoint %s", [input.data.endpoint])
}
