#!/bin/sh
# Runs conftest on the conftest compatibility suite and compares what it
# reports with testdata/policy/conftest/expected.txt, which
# policy/conftest_test.go holds syncgate to. Run from the repository root:
#   policy/testdata/compare-conftest.sh [CONFTEST]
# CONFTEST defaults to bench/.bin/conftest, installed with
#   GOBIN=$PWD/bench/.bin go install github.com/open-policy-agent/conftest@v0.71.1
set -eu
conftest=${1:-bench/.bin/conftest}
suite=testdata/policy/conftest
got=$(mktemp)
trap 'rm -f "$got"' EXIT
# conftest exits 1 when it finds failures; the JSON says what they are.
(cd "$suite" && "$OLDPWD/$conftest" test -o json -p policy inputs/*.yaml || true) |
	jq -r '.[] | .filename as $f |
		((.failures // [])[] | [$f, "failure", .metadata.query, .msg]),
		((.warnings // [])[] | [$f, "warning", .metadata.query, .msg]) | @tsv' |
	LC_ALL=C sort >"$got"
counts() { printf '%s failures, %s warnings' "$(grep -c '	failure	' "$1" || true)" "$(grep -c '	warning	' "$1" || true)"; }
if diff -u "$suite/expected.txt" "$got"; then
	echo "conftest ($("$conftest" --version | tr '\n' ' ')) reports what expected.txt says: $(counts "$got")"
else
	echo "conftest differs from expected.txt (-expected +conftest)" >&2
	exit 1
fi
