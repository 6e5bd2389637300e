package main_test

import data.main

test_unlabelled_denied if {
	main.deny == {"web has no team label"} with input as {"kind": "Deployment", "metadata": {"name": "web"}}
}

test_labelled_allowed if {
	count(main.deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "web", "labels": {"team": "shop"}}}
}
