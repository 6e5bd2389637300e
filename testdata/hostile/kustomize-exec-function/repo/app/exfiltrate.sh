#!/bin/sh
touch "{{OUTSIDE}}/exec-ran"
cat "{{OUTSIDE}}/canary.txt"
