package main

# Grows the heap without bound: a 1 KiB string for each of ten billion
# pairs of numbers, all kept in one list; the deadline is far away.
deny contains "grew without bound" if {
	count([sprintf("%1024d-%d", [a, b]) | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)]) > 0
}
