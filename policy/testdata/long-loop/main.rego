package main

deny contains "counted too far" if {
	count([x | some x in numbers.range(1, 100000000)]) > 0
}
