#!/usr/bin/env bash
# scripts/accuracy.sh - what does `syncgate check` report on real repositories?
#
# Run from anywhere:   make accuracy   (which also prints the apiserver judge's table)
#                or:   bash scripts/accuracy.sh
#
# Checks every tree of testdata/real/trees.txt marked "accuracy" (fetched from Go modules
# by scripts/trees.sh; nobody here wrote them) with the default policies, and prints per
# tree the targets, objects and findings by severity, then the findings per rule over all
# trees. A false positive shows up as a count to read: every finding here is one that the
# trees' authors would see.
#
# The counts are compared with testdata/real/baseline.tsv (tree, rule, severity, count).
# Every difference is printed as "+N" or "-N" and makes the script exit 1, so a change in
# what syncgate reports on real trees is always seen and explained. ACCURACY_UPDATE=1
# rewrites the baseline. Exit 2 when the script could not run.
#
# Environment:
#   ACCURACY_TREES="a b"   only these trees (names from trees.txt)
#   ACCURACY_UPDATE=1      rewrite testdata/real/baseline.tsv
#   ACCURACY_TIMEOUT=300   seconds allowed per check
#   SYNCGATE=/path/bin     use that syncgate binary instead of building bin/syncgate
#
# Needs: go, git, jq, timeout.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
OUT=$REPO/bench/.work/accuracy
TIMEOUT=${ACCURACY_TIMEOUT:-300}

die() { echo "accuracy: $*" >&2; exit 2; }
note() { echo "accuracy: $*" >&2; }

for tool in go git jq timeout; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done

source "$REPO/scripts/peers.sh"
source "$REPO/scripts/trees.sh"
build_syncgate

rm -rf "$OUT"
mkdir -p "$OUT"
mapfile -t TREES < <(real_trees accuracy)
((${#TREES[@]})) || die "no trees fetched"

echo "accuracy: syncgate $(git describe --always --dirty 2>/dev/null || echo '?')"
printf '%-22s %7s %7s %6s %6s %6s %4s %8s\n' tree targets objects errors warns infos exit seconds
for tree in "${TREES[@]}"; do
  name=${tree##*/}
  if [[ -n ${ACCURACY_TREES:-} && " $ACCURACY_TREES " != *" $name "* ]]; then continue; fi
  rc=0 start=$SECONDS
  (cd "$tree" && timeout "$TIMEOUT" "$SYNCGATE" check . -o json) </dev/null \
    >"$OUT/$name.json" 2>"$OUT/$name.stderr" || rc=$?
  if ! jq -e '.summary' "$OUT/$name.json" >/dev/null 2>&1; then
    printf '%-22s could not run (exit %d): %s\n' "$name" "$rc" "$(head -c 200 "$OUT/$name.stderr")"
    printf '%s\t(could not run)\terror\t1\n' "$name" >>"$OUT/counts.tsv"
    continue
  fi
  jq -r --arg t "$name" --arg rc "$rc" --arg s "$((SECONDS - start))" '
    [$t, .summary.targets, .summary.objects,
     ([.findings[] | select(.severity == "error")] | length),
     ([.findings[] | select(.severity == "warning")] | length),
     ([.findings[] | select(.severity == "info")] | length), $rc, $s] | @tsv' "$OUT/$name.json" |
    awk -F'\t' '{ printf "%-22s %7s %7s %6s %6s %6s %4s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8 }'
  jq -r --arg t "$name" '.findings | group_by([.rule, .severity])[] |
    [$t, .[0].rule, .[0].severity, length] | @tsv' "$OUT/$name.json" >>"$OUT/counts.tsv"
done
touch "$OUT/counts.tsv"
LC_ALL=C sort -o "$OUT/counts.tsv" "$OUT/counts.tsv"

echo
echo "findings per rule, all trees (rule, severity, count, trees):"
awk -F'\t' '{ k = $2 "\t" $3; n[k] += $4; t[k] = t[k] (t[k] ? "," : "") $1 }
  END { for (k in n) printf "%s\t%d\t%s\n", k, n[k], t[k] }' "$OUT/counts.tsv" |
  LC_ALL=C sort -t$'\t' -k3,3nr -k1,1 | awk -F'\t' '{ printf "  %-36s %-8s %6d  %s\n", $1, $2, $3, $4 }'

BASELINE=$REAL/baseline.tsv
if [[ ${ACCURACY_UPDATE:-0} == 1 ]]; then
  { echo "# tree	rule	severity	count (scripts/accuracy.sh with ACCURACY_UPDATE=1)"; cat "$OUT/counts.tsv"; } >"$BASELINE"
  echo "accuracy: wrote ${BASELINE#"$REPO"/}"
  exit 0
fi
[[ -f $BASELINE ]] || die "no baseline: run with ACCURACY_UPDATE=1"
grep -v '^#' "$BASELINE" >"$OUT/baseline.tsv" || true
if [[ -n ${ACCURACY_TREES:-} ]]; then # compare only the trees that ran
  awk -F'\t' -v keep=" $ACCURACY_TREES " 'index(keep, " " $1 " ")' "$OUT/baseline.tsv" >"$OUT/baseline.part"
  mv "$OUT/baseline.part" "$OUT/baseline.tsv"
fi
changes=$(awk -F'\t' 'NR == FNR { old[$1 "\t" $2 "\t" $3] = $4; next }
  { k = $1 "\t" $2 "\t" $3; d = $4 - old[k]; delete old[k]; if (d) printf "  %+d\t%s\t(now %d)\n", d, k, $4 }
  END { for (k in old) printf "  %+d\t%s\t(now 0)\n", -old[k], k }' "$OUT/baseline.tsv" "$OUT/counts.tsv" | LC_ALL=C sort -t$'\t' -k2)
echo
if [[ -z $changes ]]; then
  echo "accuracy: same counts as ${BASELINE#"$REPO"/}"
  exit 0
fi
echo "accuracy: counts differ from ${BASELINE#"$REPO"/} (explain them, then ACCURACY_UPDATE=1):"
printf '%s\n' "$changes"
exit 1
