package main_test

import data.main

test_expects_wrong_message if {
	denied := main.deny with input as {"kind": "Deployment", "metadata": {"name": "web"}}
	print("deny:", denied)
	denied == {"web needs an owner"}
}

test_labelled_allowed if {
	count(main.deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "web", "labels": {"team": "shop"}}}
}

test_builtin_error if {
	to_number("not a number") == 1
}
