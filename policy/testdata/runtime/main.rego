package main

deny contains "read the environment" if {
	opa.runtime().env.HOME
}
