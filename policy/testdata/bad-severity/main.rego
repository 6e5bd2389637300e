package main

# METADATA
# custom:
#   severity: fatal
deny contains "x" if false
