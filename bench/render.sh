#!/usr/bin/env bash
# bench/render.sh - wall time of one syncgate process vs one peer process per target.
#
# Run from anywhere (it cds to the repo root):   make bench
#                                           or:   bash bench/render.sh
#
#   (A)  syncgate render --all TREE                      one process for the whole tree
#   (B)  kustomize build DIR / helm template ... DIR     one process per target, one after another
#        (kustomize with --enable-helm, as in scripts/fidelity.sh: it runs helm for helmCharts)
#   (B2) the same peer commands through xargs -P2        two at a time
# Each variant runs once to warm caches, then BENCH_RUNS times (default 5) interleaved
# A B B2 A B B2 ...; the median wall time of each is reported, with the ratio peer/syncgate:
#   render: syncgate 0.21s, peers 1.93s (x9.2), peers -P2 1.10s (x5.2)
# The peer commands are exactly those scripts/fidelity.sh compares against. Plain-manifest
# targets have no peer: syncgate renders them in (A), the peers skip them, so (A) does
# slightly more work. A failing target is still timed (and a warning printed).
# The result is also written to bench/results/render-YYYY-MM-DD.md (with a -<tree> suffix
# when BENCH_TREE is not the default). No thresholds: just numbers.
#
# Environment:
#   BENCH_TREE=path   tree to render (default examples/gitops-repo; relative to the repo root)
#   BENCH_RUNS=5      timed runs per variant
#   SYNCGATE=/path    use that syncgate binary instead of building bin/syncgate
#
# Needs: go, git, jq (to read `syncgate targets -o json`), bash >= 5, awk, coreutils,
# xargs, flock. Peers are installed with `go install` into bench/.bin when missing.
set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
WORK=$REPO/bench/.work/bench
DEFAULT_TREE=examples/gitops-repo
TREE=${BENCH_TREE:-$DEFAULT_TREE}
RUNS=${BENCH_RUNS:-5}

source "$REPO/bench/lib.sh"
bench_start go git jq xargs awk flock
[[ -d $TREE ]] || die "no such tree: $TREE"

source "$REPO/scripts/peers.sh"

# ---------------------------------------------------------------- setup
mkdir -p "$WORK"

ensure_peers
build_syncgate
export HELM_CACHE_HOME=$REPO/bench/.work/helm-home/cache HELM_CONFIG_HOME=$REPO/bench/.work/helm-home/config HELM_DATA_HOME=$REPO/bench/.work/helm-home/data
mkdir -p "$WORK" bench/results

json=$("$SYNCGATE" targets "$TREE" -o json </dev/null) || true
root=$(jq -er '.root' <<<"$json" 2>/dev/null) || die "syncgate targets $TREE -o json gave no JSON"

CMDS=$WORK/peer-commands.txt
peer_commands "$json" "$CMDS"
run_syncgate() { "$SYNCGATE" render --all "$TREE" </dev/null >/dev/null 2>&1; }
# Warm-up, also reporting failures once.
rc=0; run_syncgate || rc=$?
((rc == 0)) || note "warning: syncgate render --all $TREE exited $rc (still timed)"
n_fail=0
while IFS=$'\t' read -r _ line; do
  (cd "$root" && eval "$line" </dev/null >/dev/null 2>&1) || { n_fail=$((n_fail + 1)); note "warning: peer failed: $line"; }
done <"$CMDS"
run_peers 2 "$CMDS" || true

# ---------------------------------------------------------------- timed runs
: >"$WORK/a.txt"; : >"$WORK/b.txt"; : >"$WORK/b2.txt"
for ((i = 1; i <= RUNS; i++)); do
  t0=$(now); run_syncgate || true; t1=$(now); elapsed "$t0" "$t1" >>"$WORK/a.txt"
  t0=$(now); run_peers 1 "$CMDS" || true; t1=$(now); elapsed "$t0" "$t1" >>"$WORK/b.txt"
  t0=$(now); run_peers 2 "$CMDS" || true; t1=$(now); elapsed "$t0" "$t1" >>"$WORK/b2.txt"
done

ma=$(median <"$WORK/a.txt") mb=$(median <"$WORK/b.txt") mb2=$(median <"$WORK/b2.txt")
read -r loa hia < <(minmax <"$WORK/a.txt")
read -r lob hib < <(minmax <"$WORK/b.txt")
read -r lob2 hib2 < <(minmax <"$WORK/b2.txt")
summary="render: syncgate $(secs "$ma"), peers $(secs "$mb") ($(ratio "$mb" "$ma")), peers -P2 $(secs "$mb2") ($(ratio "$mb2" "$ma"))"

sg_version=$(git describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
targets_line="$n_peer peer targets ($n_k kustomize, $n_h helm), $n_m plain-manifest targets rendered by syncgate only"
[[ $n_fail -eq 0 ]] || targets_line+="; $n_fail peer commands fail (timed anyway)"

table=$(
  printf '| variant | runs | median s | min s | max s | peer/syncgate |\n'
  printf '| --- | ---: | ---: | ---: | ---: | ---: |\n'
  printf '| (A) syncgate render --all, 1 process | %d | %.3f | %.3f | %.3f | x1.0 |\n' "$RUNS" "$ma" "$loa" "$hia"
  printf '| (B) peers, 1 process per target, sequential | %d | %.3f | %.3f | %.3f | %s |\n' "$RUNS" "$mb" "$lob" "$hib" "$(ratio "$mb" "$ma")"
  printf '| (B2) peers, xargs -P2 | %d | %.3f | %.3f | %.3f | %s |\n' "$RUNS" "$mb2" "$lob2" "$hib2" "$(ratio "$mb2" "$ma")"
)

echo "tree: $TREE: $targets_line"
echo "$table"
echo "$summary"

slug=
[[ $TREE == "$DEFAULT_TREE" ]] || slug=-$(printf '%s' "$TREE" | tr -c 'A-Za-z0-9._-' '_')
results=bench/results/render-$(date +%F)$slug.md
{
  echo "# render benchmark $(date +%F)"
  echo
  echo "- tree: \`$TREE\`: $targets_line"
  echo "- machine: $(nproc) CPUs (nproc), $(uname -m)${cpu:+, $cpu}"
  echo "- $(go version)"
  echo "- syncgate $sg_version, kustomize $("$KUSTOMIZE" version 2>/dev/null | head -1), helm $("$HELM" version --short 2>/dev/null | head -1) (module $(bin_version "$HELM"))"
  echo "- $RUNS timed runs per variant after one warm-up, interleaved A B B2; wall time"
  echo
  echo "$table"
  echo
  echo "    $summary"
} >"$results"
echo "bench: wrote $results"
