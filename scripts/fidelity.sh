#!/usr/bin/env bash
# scripts/fidelity.sh - does `syncgate render` print the same bytes as the peer CLIs?
#
# Run from anywhere (it cds to the repo root):   make fidelity
#                                           or:   bash scripts/fidelity.sh
#
# For every target that `syncgate targets TREE -o json` finds in each input tree, run
#   kustomize target:  syncgate render DIR               vs  kustomize build --enable-helm --helm-command bench/.bin/helm DIR
#   helm target:       syncgate render DIR [-f V ...]    vs  helm template REL DIR --namespace NS --include-crds [-f V ...]
# (both from the tree's root, the "root" of the JSON; REL/NS come from the target,
# release-name/default unless the target says otherwise; syncgate gets --release-name /
# --namespace only when they differ from those defaults, so its defaults are what is tested).
# Plain-manifest targets have no peer and are skipped.
#
# Two deliberate differences are bridged on the PEER side, never in the output:
# - syncgate inflates a kustomization's helmCharts in-process, so kustomize gets
#   --enable-helm with the helm above (without it kustomize refuses helmCharts; the flag
#   changes nothing for other kustomizations). Charts must be local (chartHome): no network.
# - syncgate attaches a chart's file:// dependencies that are not vendored in charts/ (as
#   Argo CD runs `helm dependency build`), while `helm template` refuses such a chart
#   ("missing in charts/ directory"). For those targets only, the peer is re-run in a
#   scratch copy of the tree after `helm dependency build DIR`, and the line says "peer
#   ran helm dependency build first". FIDELITY_DEP_BUILD=0 turns this off (those targets
#   are then peer-failed).
#
# Comparison: byte for byte (cmp) on stdout. NO normalisation is applied. stderr is
# kept but not compared (warnings differ in wording and are not part of the stream).
# helm gets --namespace explicitly so that a kubeconfig's current namespace cannot leak
# in, and runs with HELM_{CACHE,CONFIG,DATA}_HOME under bench/.work/helm-home.
#
# One line per target:
#   same             identical output
#   DIFF             both succeeded, output differs (diff kept under bench/.work/fidelity/)
#   both-failed      both exited non-zero (fine: e.g. helm's deliberately broken test charts)
#   peer-failed      only the peer failed  (syncgate accepted something the peer rejects)
#   syncgate-failed  only syncgate failed  (stderr kept under bench/.work/fidelity/)
# then exactly one count line
#   fidelity: N same, M differ, K both-failed, P peer-only-failed, Q syncgate-only-failed
# Exit 0 when M, P and Q are all 0; 1 otherwise; 2 when the script could not run.
#
# Input trees:
#   examples/gitops-repo, examples/broken, every directory under testdata/render/
#   and, unless FIDELITY_EXTERNAL=0, the real trees of testdata/real/trees.txt marked
#   "fidelity", taken from Go modules by scripts/trees.sh (git-ignored, never committed).
#   (cluster-api's hack/observability is left out: it uses helmCharts, which needs
#    `kustomize build --enable-helm` and the network.)
#
# Environment:
#   FIDELITY_EXTERNAL=0    skip the external trees
#   FIDELITY_TREES="a b"   compare only these trees (paths relative to the repo root)
#   FIDELITY_TIMEOUT=120   seconds allowed per render command
#   FIDELITY_VERBOSE=1     also print the first lines of each diff
#   FIDELITY_DEP_BUILD=0   do not retry the helm peer after `helm dependency build` (below)
#   SYNCGATE=/path/bin     use that syncgate binary instead of building bin/syncgate
#
# Needs: go, git, jq, cmp/diff, timeout, flock. Peers are installed with `go install` into
# bench/.bin (skipped when the right versions are already there).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
WORK=$REPO/bench/.work
OUT=$WORK/fidelity
TIMEOUT=${FIDELITY_TIMEOUT:-120}

die() { echo "fidelity: $*" >&2; exit 2; }
note() { echo "fidelity: $*" >&2; }

for tool in go git jq cmp diff timeout flock; do
  command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done

source "$REPO/scripts/peers.sh"
source "$REPO/scripts/trees.sh"

# ---------------------------------------------------------------- comparison
N_SAME=0 N_DIFF=0 N_BOTH=0 N_PEER=0 N_SG=0

first_line() { # first non-empty line of a file, shortened
  local l
  l=$(grep -m1 -v '^[[:space:]]*$' "$1" 2>/dev/null || true)
  l=${l//$'\t'/ }
  ((${#l} > 160)) && l="${l:0:157}..."
  printf '%s' "$l"
}

report() { # STATUS TREE NAME [DETAIL]
  printf '%-16s %s :: %s%s\n' "$1" "$2" "$3" "${4:+  ($4)}"
}

slugify() { local s=${1//\//__}; s=${s//[^A-Za-z0-9._@=-]/_}; printf '%s' "$s"; }

# peer_after_dep_build TREE ROOT BASE HELM template REL PATH ... : the chart's file://
# dependencies are not vendored, so `helm template` refuses it while syncgate attaches them
# (as Argo CD's `helm dependency build` would). Run the peer the way a helm user has to: in
# a scratch copy of TREE (never in the repo), `helm dependency build PATH`, then the same
# `helm template`. Paths are re-rooted from ROOT to TREE; a chart, dependency or values file
# outside TREE makes this fail, and the target stays peer-failed.
peer_after_dep_build() {
  local tree=$1 root=$2 base=$3; shift 3
  local -a cmd=("$@")
  local tree_abs root_abs prefix scratch i rc=0
  tree_abs=$(cd "$tree" && pwd -P) root_abs=$(cd "$root" && pwd -P)
  case $tree_abs in
    "$root_abs") prefix= ;;
    "$root_abs"/*) prefix=${tree_abs#"$root_abs"/}/ ;;
    *) return 1 ;;
  esac
  # cmd = HELM template REL PATH --namespace NS --include-crds [-f V]...: re-root PATH and V.
  for ((i = 3; i < ${#cmd[@]}; i++)); do
    if ((i == 3)) || [[ ${cmd[i - 1]} == -f ]]; then
      [[ -z $prefix || ${cmd[i]} == "$prefix"* ]] || return 1
      cmd[i]=${cmd[i]#"$prefix"}
    fi
  done
  scratch=$OUT/.dep-build
  rm -rf "$scratch"
  mkdir -p "$scratch"
  cp -r "$tree_abs/." "$scratch/"
  (cd "$scratch" && "$HELM" dependency build "${cmd[3]}" >&2 && timeout "$TIMEOUT" "${cmd[@]}") \
    </dev/null >"$base.peer" 2>"$base.peer.stderr" || rc=$?
  rm -rf "$scratch"
  return "$rc"
}

compare_tree() {
  local tree=$1 label=$1 json rc=0 root lines i=0
  local odir
  odir=$OUT/$(slugify "$label")
  mkdir -p "$odir"
  json=$("$SYNCGATE" targets "$tree" -o json </dev/null 2>"$odir/targets.stderr") || rc=$?
  if ! root=$(jq -er '.root' <<<"$json" 2>/dev/null); then
    N_SG=$((N_SG + 1))
    report syncgate-failed "$label" "(targets)" "exit $rc: $(first_line "$odir/targets.stderr")"
    return 0
  fi
  lines=$(jq -r '.targets[]? | [.name, .kind, .path, (.releaseName // "release-name"),
                 (.namespace // "default")] + (.valuesFiles // []) | @tsv' <<<"$json")
  if [[ -z $lines ]]; then
    note "$label: no targets"
    return 0
  fi
  local -a f vf
  local name kind path rel ns slug sg_rc peer_rc base
  while IFS=$'\t' read -r -a f; do
    i=$((i + 1))
    name=${f[0]} kind=${f[1]} path=${f[2]} rel=${f[3]} ns=${f[4]}
    vf=()
    local v
    for v in "${f[@]:5}"; do vf+=(-f "$v"); done
    slug=$(printf '%03d-%s' "$i" "$(slugify "$name")")
    base=$odir/$slug
    local -a sg_cmd peer_cmd
    case $kind in
      kustomize)
        sg_cmd=("$SYNCGATE" render "$path")
        peer_cmd=("$KUSTOMIZE" build --enable-helm --helm-command "$HELM" "$path")
        ;;
      helm)
        sg_cmd=("$SYNCGATE" render "$path" "${vf[@]}")
        [[ $rel != release-name ]] && sg_cmd+=(--release-name "$rel")
        [[ $ns != default ]] && sg_cmd+=(--namespace "$ns")
        peer_cmd=("$HELM" template "$rel" "$path" --namespace "$ns" --include-crds "${vf[@]}")
        ;;
      *) continue ;; # plain manifests: no peer
    esac
    sg_rc=0 peer_rc=0
    (cd "$root" && timeout "$TIMEOUT" "${sg_cmd[@]}") </dev/null >"$base.syncgate" 2>"$base.syncgate.stderr" || sg_rc=$?
    (cd "$root" && timeout "$TIMEOUT" "${peer_cmd[@]}") </dev/null >"$base.peer" 2>"$base.peer.stderr" || peer_rc=$?
    local peer_note=
    if [[ $kind == helm && $peer_rc != 0 && ${FIDELITY_DEP_BUILD:-1} != 0 ]] &&
      grep -q 'missing in charts/ directory' "$base.peer.stderr"; then
      peer_rc=0
      peer_after_dep_build "$tree" "$root" "$base" "${peer_cmd[@]}" || peer_rc=$?
      ((peer_rc != 0)) || peer_note="peer ran helm dependency build first"
      peer_cmd=(helm dependency build "$path" '&&' "${peer_cmd[@]}" "(in a scratch copy of $tree)")
    fi
    {
      printf 'root: %s\n' "$root"
      printf 'syncgate (exit %d):' "$sg_rc"; printf ' %q' "${sg_cmd[@]}"; echo
      printf 'peer     (exit %d):' "$peer_rc"; printf ' %q' "${peer_cmd[@]}"; echo
    } >"$base.cmd"
    if ((sg_rc == 0 && peer_rc == 0)); then
      if cmp -s "$base.peer" "$base.syncgate"; then
        N_SAME=$((N_SAME + 1))
        report same "$label" "$name" "$peer_note"
        rm -f "$base".*
      else
        N_DIFF=$((N_DIFF + 1))
        diff -u --label "peer ($kind)" --label syncgate "$base.peer" "$base.syncgate" >"$base.diff" || true
        report DIFF "$label" "$name" "$(tail -n +3 "$base.diff" | grep -c '^[-+]' || true) changed lines, ${base#"$REPO"/}.diff${peer_note:+; $peer_note}"
        if [[ ${FIDELITY_VERBOSE:-0} == 1 ]]; then sed -n '1,40p' "$base.diff" | sed 's/^/    /'; fi
      fi
    elif ((sg_rc != 0 && peer_rc != 0)); then
      N_BOTH=$((N_BOTH + 1))
      report both-failed "$label" "$name"
      rm -f "$base".*
    elif ((peer_rc != 0)); then
      N_PEER=$((N_PEER + 1))
      report peer-failed "$label" "$name" "peer exit $peer_rc: $(first_line "$base.peer.stderr")"
    else
      N_SG=$((N_SG + 1))
      report syncgate-failed "$label" "$name" "syncgate exit $sg_rc: $(first_line "$base.syncgate.stderr")${peer_note:+; $peer_note}"
    fi
  done <<<"$lines"
  rmdir "$odir" 2>/dev/null || true
}

# ---------------------------------------------------------------- main
# One run at a time: a second run would delete this one's bench/.work/fidelity.
mkdir -p "$WORK"
exec 8>"$WORK/.fidelity.lock"
flock -n 8 || { note "waiting for another fidelity run to finish"; flock 8; }

ensure_peers
build_syncgate

export HELM_CACHE_HOME=$WORK/helm-home/cache HELM_CONFIG_HOME=$WORK/helm-home/config HELM_DATA_HOME=$WORK/helm-home/data

declare -a INPUTS=()
if [[ -n ${FIDELITY_TREES:-} ]]; then
  read -r -a INPUTS <<<"$FIDELITY_TREES"
else
  for t in examples/gitops-repo examples/broken testdata/render/*/; do
    [[ -d $t ]] && INPUTS+=("${t%/}")
  done
  if [[ ${FIDELITY_EXTERNAL:-1} != 0 ]]; then
    mapfile -t -O "${#INPUTS[@]}" INPUTS < <(real_trees fidelity)
  fi
fi
((${#INPUTS[@]})) || die "no input trees"

rm -rf "$OUT"
mkdir -p "$OUT"
echo "fidelity: syncgate $(git describe --always --dirty 2>/dev/null || echo '?'), kustomize $KUSTOMIZE_VERSION, helm $HELM_VERSION"
for tree in "${INPUTS[@]}"; do
  [[ -d $tree ]] || { note "no such tree: $tree"; continue; }
  compare_tree "$tree"
done
rmdir "$OUT" 2>/dev/null || true

echo "fidelity: $N_SAME same, $N_DIFF differ, $N_BOTH both-failed, $N_PEER peer-only-failed, $N_SG syncgate-only-failed"
((N_DIFF + N_PEER + N_SG == 0))
