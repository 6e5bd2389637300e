#!/usr/bin/env bash
# bench/scale.sh - syncgate check as the corpus grows, and with its result cache.
#
# Run from anywhere (it cds to the repo root):   make bench (after bench/pipeline.sh)
#                                           or:   bash bench/scale.sh
#
# For each scale of BENCH_SCALES (default "1 5 10"), bench/corpus writes the corpus
# (seed BENCH_SEED) and `syncgate check --no-cache` checks it with every stage, timed
# with GNU time: wall seconds and peak RSS, the largest process (workers included).
# Memory should grow more slowly than the corpus.
#
# On the first scale, the result cache (a fresh directory) is measured too:
#   cold          check with an empty cache, which fills it
#   warm          check again, nothing changed
#   one change    check after one base file of one app changed (three overlays read it)
# The changed file is restored afterwards. Each cell is the median of BENCH_RUNS rounds
# (default 3). No thresholds: numbers. The table is printed and written to
# bench/results/scale-<date>.md.
#
# Environment: BENCH_SEED=1, BENCH_SCALES="1 5 10", BENCH_RUNS=3, SYNCGATE=/path (else
# bin/syncgate). Needs: go, jq, awk, flock, GNU time (/usr/bin/time).
set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
WORK=$REPO/bench/.work/scale
SEED=${BENCH_SEED:-1}
SCALES=${BENCH_SCALES:-1 5 10}
RUNS=${BENCH_RUNS:-3}

source "$REPO/bench/lib.sh"
bench_start go jq awk flock /usr/bin/time

source "$REPO/scripts/peers.sh"

mkdir -p "$WORK" bench/results

revision=$(git describe --always --dirty)
build_syncgate

# measure NAME CMD...: run CMD under GNU time; append "wall rss_MiB" to WORK/NAME.txt.
# A check with findings exits non-zero and is still timed.
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$WORK/time.out" "$@" </dev/null >/dev/null 2>&1 || true
  tail -n 1 "$WORK/time.out" | awk '{ printf "%s %.0f\n", $1, $2 / 1024 }' >>"$WORK/$name.txt"
}
col() { awk -v c="$2" '{ print $c }' "$WORK/$1.txt" | median; }

scale_rows=()
cache_rows=()
first=1
for scale in $SCALES; do
  corpus=$REPO/bench/.work/corpus-$SEED-$scale
  go run ./bench/corpus -out "$corpus" -seed "$SEED" -scale "$scale" -force >/dev/null || die "bench/corpus failed"
  check=("$SYNCGATE" check --policy "$corpus/policy" --no-default-policies "$corpus" -o json)
  targets=$("${check[@]}" --no-cache </dev/null | jq -r '.summary.targets') || true
  : >"$WORK/nocache-$scale.txt"
  for ((i = 1; i <= RUNS; i++)); do measure "nocache-$scale" "${check[@]}" --no-cache; done
  scale_rows+=("$(printf '| %s | %s | %.2f | %s |' "$scale" "$targets" "$(col "nocache-$scale" 1)" "$(col "nocache-$scale" 2)")")
  ((first)) || continue
  first=0

  # The one-file change: a line added to the first app's base deployment.
  base=$(find "$corpus" -path '*/base/deployment.yaml' | sort | head -n 1)
  [[ -n $base ]] || die "no */base/deployment.yaml in $corpus"
  cp "$base" "$WORK/base.orig"
  for s in cold warm change; do : >"$WORK/$s.txt"; done
  for ((i = 1; i <= RUNS; i++)); do
    rm -rf "$WORK/cache"
    measure cold "${check[@]}" --cache-dir "$WORK/cache"
    measure warm "${check[@]}" --cache-dir "$WORK/cache"
    printf '# changed %d\n' "$i" >>"$base"
    measure change "${check[@]}" --cache-dir "$WORK/cache"
    cp "$WORK/base.orig" "$base"
  done
  cold=$(col cold 1)
  for s in cold warm change; do
    cache_rows+=("$(printf '| %s | %.2f | %s | %s |' "$s" "$(col "$s" 1)" "$(col "$s" 2)" "$(ratio "$cold" "$(col "$s" 1)")")")
  done
  changed=${base#"$corpus"/}
done

table=$(
  echo '| scale | targets | check --no-cache wall s | peak RSS MiB |'
  echo '| ---: | ---: | ---: | ---: |'
  printf '%s\n' "${scale_rows[@]}"
  echo
  echo "result cache, scale ${SCALES%% *} (one change: a line added to $changed):"
  echo
  echo '| check | wall s | peak RSS MiB | cold/this |'
  echo '| --- | ---: | ---: | ---: |'
  printf '%s\n' "${cache_rows[@]}"
)
echo "$table"
results=bench/results/scale-$(date +%F).md
{
  echo "# scale and cache benchmark $(date +%F)"
  echo
  echo "- corpus: \`go run ./bench/corpus -seed $SEED -scale N\`; check: every stage, CORPUS/policy only"
  echo "- machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  echo "- $(go version); syncgate $revision; median of $RUNS rounds; commands in bench/scale.sh"
  echo
  echo "$table"
} >"$results"
echo "bench: wrote $results"
