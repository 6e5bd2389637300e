#!/bin/sh
# Counts the labelled corpus (testdata/validate) cases syncgate and the
# kubeconform v0.8.0 CLI get right, with the same embedded schemas: the
# generator writes them in kubeconform's layout to a temporary directory,
# and the corpus CRDs are converted as syncgate converts them. Writes
# nothing into the repository except the git-ignored bench/.bin.
# Run from anywhere: sh validate/testdata/compare-kubeconform.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bin="$root/bench/.bin/kubeconform"
if [ ! -x "$bin" ]; then
	GOBIN="$root/bench/.bin" go install github.com/yannh/kubeconform/cmd/kubeconform@v0.8.0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./validate/internal/schemagen -kubeconform-out "$tmp/schemas" -version 1.37
KUBECONFORM="$bin" KUBECONFORM_SCHEMAS="$tmp/schemas" \
	go test ./validate -run '^TestCompareKubeconform$' -count=1 -v | grep -E '^(corpus cases|--- |ok|FAIL)|kubeconform (missed|wrong)'
