#!/usr/bin/env bash
# bench/diff.sh - the pre-merge check's wall time on the generated corpus, as CI runs it.
#
# Run from anywhere (it cds to the repo root):   make bench
#                                           or:   bash bench/diff.sh
#
# The corpus (bench/corpus, seed BENCH_SEED, scale BENCH_SCALE) is committed to a scratch
# git repository; each pull request is then a change to its working tree, which is the
# head that syncgate diff --base HEAD and check --base HEAD compare with HEAD:
#
#   one-file      the first apps/*/base/deployment.yaml gets other replicas
#                 diff --base HEAD; check --base HEAD; beside check --no-cache of only the targets
#                 the change affects (the targets diff -o json names)
#   every-target  every apps/*/base/deployment.yaml and every chart's values files change
#                 diff --base HEAD; beside check --no-cache of the whole corpus
#
# After one warm-up, BENCH_RUNS rounds (default 3), the commands interleaved; each cell is
# the median wall time (bash EPOCHREALTIME). The ratios are the goals of issue 17: diff and
# check --base under 2 s and within 2x of checking the affected targets; diff of a change
# to every target within 2.5x of one check. No thresholds: numbers. The table is printed
# and written to bench/results/diff-<date>.md.
#
# Environment: BENCH_SEED=1, BENCH_SCALE=1, BENCH_RUNS=3, SYNCGATE=/path (else bin/syncgate).
# Needs: go, git, jq, awk, flock.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
WORK=$REPO/bench/.work/diff
SEED=${BENCH_SEED:-1}
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}

source "$REPO/bench/lib.sh"
bench_start go git jq awk flock

source "$REPO/scripts/peers.sh"
build_syncgate
revision=$(git describe --always --dirty)

CORPUS=$WORK/corpus-$SEED-$SCALE
go run ./bench/corpus -out "$CORPUS" -seed "$SEED" -scale "$SCALE" -force >/dev/null || die "bench/corpus failed"
git -C "$CORPUS" init -q
git -C "$CORPUS" add -A
git -C "$CORPUS" -c user.name=bench -c user.email=bench@example.com commit -q -m base || die "git commit failed"

# pr NAME: reset the working tree to HEAD, then make pull request NAME in it.
pr() {
  git -C "$CORPUS" checkout -q -- .
  local files
  case $1 in
    one-file) files=("$CORPUS"/apps/*/base/deployment.yaml) && files=("${files[0]}") ;;
    every-target) files=("$CORPUS"/apps/*/base/deployment.yaml "$CORPUS"/charts/*/values*.yaml) ;;
  esac
  sed -i -E 's/^([[:space:]]*(replicas|replicaCount):[[:space:]]*)[0-9]+/\17/; $a # changed' "${files[@]}"
}

# timed NAME CMD...: run CMD in the corpus, append its wall seconds to WORK/NAME.txt. A
# blocking decision (exit 1) is still timed; a failure to run (2) is fatal.
timed() {
  local name=$1 start end code=0
  shift
  start=$(now)
  (cd "$CORPUS" && "$@" </dev/null >/dev/null 2>"$WORK/stderr") || code=$?
  end=$(now)
  ((code < 2)) || die "$* exited $code: $(head -c 2000 "$WORK/stderr")"
  elapsed "$start" "$end" >>"$WORK/$name.txt"
}

total=$("$SYNCGATE" targets "$CORPUS" -o json | jq '.targets | length') || die "syncgate targets failed"
pr one-file
affected=$(cd "$CORPUS" && "$SYNCGATE" diff --base HEAD -o json . | jq -r '.diff.targets[].name') || true
[[ -n $affected ]] || die "the one-file change affects no target"
n_affected=$(wc -l <<<"$affected")
mapfile -t affected_paths <<<"$affected"
pr every-target
n_every=$(cd "$CORPUS" && "$SYNCGATE" diff --base HEAD -o json . | jq '.diff.targets | length') || true

round() {
  pr one-file
  timed one-diff "$SYNCGATE" diff --base HEAD .
  timed one-check-base "$SYNCGATE" check --base HEAD .
  timed one-check-affected "$SYNCGATE" check --no-cache "${affected_paths[@]}"
  pr every-target
  timed every-diff "$SYNCGATE" diff --base HEAD .
  timed every-check "$SYNCGATE" check --no-cache .
}

mkdir -p "$WORK" bench/results
round # warm-up
for s in one-diff one-check-base one-check-affected every-diff every-check; do : >"$WORK/$s.txt"; done
for ((i = 1; i <= RUNS; i++)); do round; done
git -C "$CORPUS" checkout -q -- .

med() { median <"$WORK/$1.txt"; }
ratio2() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
one_diff=$(med one-diff) one_base=$(med one-check-base) one_aff=$(med one-check-affected)
every_diff=$(med every-diff) every_check=$(med every-check)
table=$(
  echo '| pull request | command | median wall s | ratio | goal |'
  echo '| --- | --- | ---: | ---: | --- |'
  printf '| one base file (%d of %d targets affected) | check of the affected targets | %.2f | | |\n' "$n_affected" "$total" "$one_aff"
  printf '| | diff --base | %.2f | x%s of check affected | < 2 s, <= x2 |\n' "$one_diff" "$(ratio2 "$one_diff" "$one_aff")"
  printf '| | check --base | %.2f | x%s of check affected | < 2 s, <= x2 |\n' "$one_base" "$(ratio2 "$one_base" "$one_aff")"
  printf '| every target (%d of %d affected) | check of every target | %.2f | | |\n' "$n_every" "$total" "$every_check"
  printf '| | diff --base | %.2f | x%s of check | <= x2.5 |\n' "$every_diff" "$(ratio2 "$every_diff" "$every_check")"
)
echo "corpus: seed $SEED, scale $SCALE: $total targets"
echo "$table"
results=bench/results/diff-$(date +%F).md
{
  echo "# pre-merge check benchmark $(date +%F)"
  echo
  echo "- corpus: \`go run ./bench/corpus -seed $SEED -scale $SCALE\`: $total targets, committed; the pull request is the working tree"
  echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "- $(go version); syncgate $revision"
  echo "- median of $RUNS rounds after a warm-up, commands interleaved; commands in bench/diff.sh"
  echo
  echo "$table"
} >"$results"
echo "bench: wrote $results"
