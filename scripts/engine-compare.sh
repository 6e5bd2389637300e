#!/usr/bin/env bash
# scripts/engine-compare.sh - what engine discovery changes on public GitOps trees.
#
# For each tree of testdata/real/trees.txt marked "engine" (copied out of Go modules by
# scripts/trees.sh, git-ignored), TestEngineCompare prints the targets found with engine
# discovery off and on, the skipped engine targets by reason, and for each engine target
# what it renders differently from the directory target at its path.
#
# Run from anywhere:   bash scripts/engine-compare.sh
# Needs: go, git, jq, flock.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
die() { echo "engine-compare: $*" >&2; exit 2; }
note() { echo "engine-compare: $*" >&2; }
# shellcheck source=scripts/trees.sh
source "$REPO/scripts/trees.sh"

# The URL each tree's own objects use for the repository they live in.
declare -A URL=(
  [flux2]=https://github.com/fluxcd/flux2
  [argo-cd-appsets]=https://github.com/argoproj/argo-cd.git
)

trees=()
while read -r tree; do
  name=${tree##*/}
  [[ -n ${URL[$name]:-} ]] || die "no repoURL for tree $name: add it to URL in $0"
  trees+=("$tree=${URL[$name]}")
done < <(real_trees engine)
((${#trees[@]})) || die "no engine trees fetched"

SYNCGATE_ENGINE_TREES="${trees[*]}" go test . -run '^TestEngineCompare$' -count=1 -v |
  grep -Ev '^(=== RUN|--- PASS|PASS$|ok )'
