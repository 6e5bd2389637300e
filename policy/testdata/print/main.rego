package main

deny contains msg if {
	print("checking", input.metadata.name)
	msg := "printed"
}
