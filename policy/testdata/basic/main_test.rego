package main

test_ignored_by_load if true
