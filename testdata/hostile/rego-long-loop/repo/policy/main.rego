package main

deny contains "counted too far" if {
	count([x | some x in numbers.range(1, 1000000000)]) > 0
}
