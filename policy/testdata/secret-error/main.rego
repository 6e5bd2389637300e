package main

deny contains "password is not a number" if {
	to_number(input.stringData.password) > 0
}
