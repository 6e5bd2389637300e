# shellcheck shell=bash
# Sourced by the bench/*.sh scripts: their messages, start and lock, timing helpers and
# the peer render commands. The caller sets REPO and RUNS.

die() { echo "bench: $*" >&2; exit 2; }
note() { echo "bench: $*" >&2; }

# bench_start TOOL...: refuse to run without each TOOL on PATH or with a BENCH_RUNS that is
# not a count, then wait for any other benchmark to finish: two would time each other.
bench_start() {
  local tool
  for tool; do
    command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
  done
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer"
  mkdir -p "$REPO/bench/.work" "$REPO/bench/results"
  exec 8>"$REPO/bench/.work/.bench.lock"
  flock -n 8 || { note "waiting for another benchmark to finish"; flock 8; }
}

now() { printf '%s\n' "${EPOCHREALTIME:-$(date +%s.%N)}"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s %s\n", lo, hi }'; }
ratio() { awk -v p="$1" -v s="$2" 'BEGIN { if (s > 0) printf "x%.1f", p / s; else print "x?" }'; }
secs() { awk -v t="$1" 'BEGIN { printf "%.2fs", t }'; }

# peer_commands JSON FILE: from `syncgate targets -o json`, write one line per kustomize or
# helm target: its number, a tab, and the peer command rendering it as the user would
# (arguments quoted with printf %q). Sets root, n_k, n_h, n_m (plain-manifest targets,
# which have no peer) and n_peer.
peer_commands() {
  local json=$1 file=$2 kind path rel ns cmd vf v f
  root=$(jq -er '.root' <<<"$json" 2>/dev/null) || die "syncgate targets gave no JSON"
  : >"$file"
  n_k=0 n_h=0 n_m=0
  while IFS=$'\t' read -r -a f; do
    [[ ${#f[@]} -ge 5 ]] || continue
    kind=${f[1]} path=${f[2]} rel=${f[3]} ns=${f[4]}
    vf=()
    for v in "${f[@]:5}"; do vf+=(-f "$v"); done
    case $kind in
      kustomize) n_k=$((n_k + 1)); cmd=("$KUSTOMIZE" build --enable-helm --helm-command "$HELM" "$path") ;;
      helm) n_h=$((n_h + 1)); cmd=("$HELM" template "$rel" "$path" --namespace "$ns" --include-crds "${vf[@]}") ;;
      *) n_m=$((n_m + 1)); continue ;;
    esac
    printf '%d\t' $((n_k + n_h)) >>"$file"
    printf '%q ' "${cmd[@]}" >>"$file"
    echo >>"$file"
  done < <(jq -r '.targets[]? | [.name, .kind, .path, (.releaseName // "release-name"),
                  (.namespace // "default")] + (.valuesFiles // []) | @tsv' <<<"$json")
  n_peer=$((n_k + n_h))
  ((n_peer > 0)) || die "no kustomize or helm targets"
}

# run_peers P FILE [OUTDIR]: run the commands of FILE from $root, P at a time, each
# writing its output to OUTDIR/<number>.yaml (to /dev/null without OUTDIR).
run_peers() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  (cd "$root" && xargs -d '\n' -n 1 -P "$1" bash -c '
    n=${1%%$'"'"'\t'"'"'*} cmd=${1#*$'"'"'\t'"'"'}
    out=/dev/null; [[ -z $0 ]] || out=$0/$n.yaml
    eval "$cmd" </dev/null >"$out" 2>/dev/null' "${3:-}" <"$2")
}
