package main_test

# A test that grows the heap without bound, far from its deadline.
test_keeps_everything if {
	kept := [sprintf("%1024d", [a * b]) | some a in numbers.range(1, 1000000); some b in numbers.range(1, 1000000)]
	count(kept) > 0
}
