package main

deny contains sprintf("HOME is %s", [opa.runtime().env.HOME]) if true
