#!/bin/sh
# Compare gitleaks' own CLI with syncgate's secrets stage on the planted
# credentials of testdata/secrets/leaks (see its README: nine credentials,
# three files of ciphertext or hashes). Run from the repository root:
#
#	sh secrets/testdata/compare-gitleaks.sh
#
# gitleaks v8.30.1 is installed into bench/.bin (git-ignored) when missing.
set -eu
dir=testdata/secrets/leaks
bin=bench/.bin/gitleaks
if ! go version -m "$bin" 2>/dev/null | grep -q 'gitleaks/v8.*v8\.30\.1'; then
	GOBIN="$PWD/bench/.bin" go install github.com/zricethezav/gitleaks/v8@v8.30.1
fi
report=$(mktemp)
template=$(mktemp)
trap 'rm -f "$report" "$template"' EXIT
printf '{{range .}}{{.File}}:{{.StartLine}} {{.RuleID}}\n{{end}}' > "$template"
"$bin" dir --no-banner --redact --log-level error --exit-code 0 --report-format template --report-template "$template" --report-path "$report" "$dir"
echo "gitleaks v8.30.1 (gitleaks dir $dir) findings:"
sed "s|$dir/||" "$report" | sort | tee "$report.sorted"
echo "gitleaks: $(wc -l < "$report.sorted") findings"
rm -f "$report.sorted"
echo
echo "syncgate secrets stage (Files + Objects of the rendered kustomization), credential findings:"
go test ./secrets -run '^TestLeaks$' -count 1 -v | sed -n 's/.*syncgate-credential //p' | tee "$report"
echo "syncgate: $(wc -l < "$report") findings"
