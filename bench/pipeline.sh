#!/usr/bin/env bash
# bench/pipeline.sh - syncgate against the peer pipeline, on a generated corpus, same run.
#
# Run from anywhere (it cds to the repo root):   make bench
#                                           or:   bash bench/pipeline.sh
#
# The corpus is bench/corpus's monorepo (seed BENCH_SEED, scale BENCH_SCALE), written to
# bench/.work/corpus-<seed>-<scale>. Each stage is one command, timed with GNU time for
# wall seconds, CPU seconds (user + system) and peak RSS (the largest process, workers
# and peer processes included):
#
#   syncgate   render      syncgate render --all CORPUS
#              base        syncgate check --stage render CORPUS (render and duplicate checks only)
#              secrets     syncgate check --stage secrets CORPUS, less base
#              end to end  syncgate check with every stage and CORPUS/policy only, -o json
#              on the peers' rendered files, as kubeconform and conftest get them:
#              decode      syncgate check --stage render RENDERED (decoding, duplicate checks)
#              schema      syncgate check --stage validate RENDERED, less decode
#              policy      syncgate check --stage policy RENDERED with CORPUS/policy only, less decode
#   peers      render      kustomize build / helm template, one process per target, into
#                          files (sequential, and through xargs -P2)
#              schema      kubeconform -strict -n 2 on the rendered files, with the embedded
#                          schemas written in kubeconform's layout by validate/internal/schemagen
#              policy      conftest test --policy CORPUS/policy on the rendered files
#              secrets     gitleaks dir CORPUS
#              end to end  the sum of the stages (render sequential or -P2)
#   floor                  bench/floor: decoding all rendered YAML once, in Go
#
# syncgate decodes once for every stage, so its schema and policy rows leave decoding out;
# the "decoding included" rows put it back, for a comparison of whole commands. Every
# check is cold (--no-cache); bench/scale.sh measures the result cache.
#
# After one warm-up, BENCH_RUNS rounds (default 3) alternate syncgate and peers; each cell
# is the median. The ratio is peer/syncgate. No thresholds: numbers. syncgate's bundled
# policies are left out so that both sides evaluate the same policy set.
# The table is printed and written to bench/results/<date>.md.
#
# Environment: BENCH_SEED=1, BENCH_SCALE=1, BENCH_RUNS=3, SYNCGATE=/path (else bin/syncgate).
# Needs: go, git, jq, xargs, awk, flock, GNU time (/usr/bin/time).
set -euo pipefail
export LC_ALL=C

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
WORK=$REPO/bench/.work/pipeline
SEED=${BENCH_SEED:-1}
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}

source "$REPO/bench/lib.sh"
bench_start go git jq xargs awk flock /usr/bin/time

source "$REPO/scripts/peers.sh"

mkdir -p "$WORK" bench/results

ensure_peers all
revision=$(git describe --always --dirty) # before the results file is rewritten
build_syncgate
go build -o "$WORK/floor" ./bench/floor || die "go build ./bench/floor failed"
SCHEMAS=$WORK/kubeconform-schemas
rm -rf "$SCHEMAS"
(cd validate && go run ./internal/schemagen -kubeconform-out "$SCHEMAS") >/dev/null || die "schemagen -kubeconform-out failed"
kube_version=$(ls "$SCHEMAS" | sed -n 's/^v\([0-9.]*\)-standalone-strict$/\1/p')
[[ -n $kube_version ]] || die "no standalone-strict schema directory under $SCHEMAS"
export HELM_CACHE_HOME=$WORK/helm-home/cache HELM_CONFIG_HOME=$WORK/helm-home/config HELM_DATA_HOME=$WORK/helm-home/data

CORPUS=$REPO/bench/.work/corpus-$SEED-$SCALE
go run ./bench/corpus -out "$CORPUS" -seed "$SEED" -scale "$SCALE" -force >/dev/null || die "bench/corpus failed"

json=$("$SYNCGATE" targets "$CORPUS" -o json </dev/null) || die "syncgate targets failed"
CMDS=$WORK/peer-commands.txt
peer_commands "$json" "$CMDS"
OUT=$WORK/rendered
objects=$("$SYNCGATE" check --no-cache "$CORPUS" -o json </dev/null | jq -r '.summary.objects') || true
[[ $objects =~ ^[0-9]+$ ]] || die "syncgate check $CORPUS gave no object count"

# measure NAME CMD...: run CMD under GNU time; append "wall cpu rss_MiB" to WORK/NAME.txt.
# A failing command (findings, say) is still timed.
measure() {
  local name=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.out" "$@" </dev/null >/dev/null 2>&1 || true
  tail -n 1 "$WORK/time.out" | awk '{ printf "%s %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' >>"$WORK/$name.txt"
}
render_peers() { rm -rf "$OUT" && mkdir -p "$OUT" && run_peers "$1" "$CMDS" "$OUT"; }
export -f run_peers render_peers
export CMDS OUT root

stages=(sg-render sg-base sg-decode sg-schema sg-policy sg-secrets sg-all peer-render peer-render-p2 peer-schema peer-policy peer-secrets floor)
policy=(--policy "$CORPUS/policy" --no-default-policies)
round() {
  measure sg-render "$SYNCGATE" render --all "$CORPUS"
  measure sg-base "$SYNCGATE" check --no-cache --stage render "$CORPUS" -o json
  measure sg-secrets "$SYNCGATE" check --no-cache --stage secrets "$CORPUS" -o json
  measure sg-all "$SYNCGATE" check --no-cache "${policy[@]}" "$CORPUS" -o json
  measure peer-render-p2 bash -c 'render_peers 2'
  measure peer-render bash -c 'render_peers 1'
  measure sg-decode "$SYNCGATE" check --no-cache --stage render "$OUT" -o json
  measure sg-schema "$SYNCGATE" check --no-cache --stage validate "$OUT" -o json
  measure sg-policy "$SYNCGATE" check --no-cache --stage policy "${policy[@]}" "$OUT" -o json
  measure peer-schema "$KUBECONFORM" -strict -n 2 -summary -kubernetes-version "$kube_version" -schema-location "$SCHEMAS" "$OUT"
  measure peer-policy "$CONFTEST" test --no-color --policy "$CORPUS/policy" "$OUT"
  measure peer-secrets "$GITLEAKS" dir --no-banner --redact --exit-code 0 "$CORPUS"
  measure floor "$WORK/floor" "$OUT"
}

round # warm-up; also leaves the rendered files for a look
n_rendered=$(find "$OUT" -name '*.yaml' -size +0 | wc -l)
((n_rendered == n_peer)) || note "warning: $((n_peer - n_rendered)) of $n_peer peer renders produced nothing"
for s in "${stages[@]}"; do : >"$WORK/$s.txt"; done
for ((i = 1; i <= RUNS; i++)); do round; done

# col STAGE N: the median of column N (1 wall, 2 CPU, 3 RSS) of a stage.
col() { awk -v c="$2" '{ print $c }' "$WORK/$1.txt" | median; }
sum() { awk 'BEGIN { for (i = 1; i < ARGC; i++) t += ARGV[i]; printf "%.4f\n", t }' "$@"; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; printf "%.4f\n", (d > 0 ? d : 0) }'; }
maxof() { printf '%s\n' "$@" | sort -g | tail -n 1; }
rate() { awk -v n="$objects" -v t="$1" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "?" }'; }
row() { # label, syncgate wall cpu rss (or "-"), peer wall cpu rss
  local sg
  if [[ $2 == - ]]; then sg="| not built | | | "; else sg=$(printf '| %.2f | %.2f | %s | %s ' "$2" "$3" "$4" "$(rate "$2")"); fi
  printf '| %s %s| %.2f | %.2f | %s | %s | %s |\n' "$1" "$sg" "$5" "$6" "$7" "$(rate "$5")" "$([[ $2 == - ]] && echo - || ratio "$5" "$2")"
}

for s in "${stages[@]}"; do
  read -r "${s//-/_}_wall" "${s//-/_}_cpu" "${s//-/_}_rss" < <(printf '%s %s %s\n' "$(col "$s" 1)" "$(col "$s" 2)" "$(col "$s" 3)")
done
e2e_wall=$(sum "$peer_render_wall" "$peer_schema_wall" "$peer_policy_wall" "$peer_secrets_wall")
e2e_cpu=$(sum "$peer_render_cpu" "$peer_schema_cpu" "$peer_policy_cpu" "$peer_secrets_cpu")
e2e_p2_wall=$(sum "$peer_render_p2_wall" "$peer_schema_wall" "$peer_policy_wall" "$peer_secrets_wall")
e2e_p2_cpu=$(sum "$peer_render_p2_cpu" "$peer_schema_cpu" "$peer_policy_cpu" "$peer_secrets_cpu")
e2e_rss=$(maxof "$peer_render_rss" "$peer_schema_rss" "$peer_policy_rss" "$peer_secrets_rss")
# stage NAME BASE: syncgate's wall and CPU for one stage (the check with it, less the
# check without it), and the RSS of the whole check.
stage() {
  local w=${1}_wall c=${1}_cpu r=${1}_rss bw=${2}_wall bc=${2}_cpu
  echo "$(minus "${!w}" "${!bw}") $(minus "${!c}" "${!bc}") ${!r}"
}
whole() { local w=${1}_wall c=${1}_cpu r=${1}_rss; echo "${!w} ${!c} ${!r}"; }
checks_wall=$(sum "$(minus "$sg_schema_wall" "$sg_decode_wall")" "$(minus "$sg_policy_wall" "$sg_decode_wall")" "$(minus "$sg_secrets_wall" "$sg_base_wall")")

table=$(
  echo '| stage | syncgate wall s | CPU s | peak RSS MiB | objects/s | peer wall s | CPU s | peak RSS MiB | objects/s | peer/syncgate |'
  echo '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
  row "render (peers sequential)" "$sg_render_wall" "$sg_render_cpu" "$sg_render_rss" "$peer_render_wall" "$peer_render_cpu" "$peer_render_rss"
  row "render (peers -P2)" "$sg_render_wall" "$sg_render_cpu" "$sg_render_rss" "$peer_render_p2_wall" "$peer_render_p2_cpu" "$peer_render_p2_rss"
  row "schema (kubeconform)" $(stage sg_schema sg_decode) "$peer_schema_wall" "$peer_schema_cpu" "$peer_schema_rss"
  row "schema, decoding included" $(whole sg_schema) "$peer_schema_wall" "$peer_schema_cpu" "$peer_schema_rss"
  row "policy (conftest)" $(stage sg_policy sg_decode) "$peer_policy_wall" "$peer_policy_cpu" "$peer_policy_rss"
  row "policy, decoding included" $(whole sg_policy) "$peer_policy_wall" "$peer_policy_cpu" "$peer_policy_rss"
  row "secrets (gitleaks)" $(stage sg_secrets sg_base) "$peer_secrets_wall" "$peer_secrets_cpu" "$peer_secrets_rss"
  row "end to end (peers sequential)" "$sg_all_wall" "$sg_all_cpu" "$sg_all_rss" "$e2e_wall" "$e2e_cpu" "$e2e_rss"
  row "end to end (peers -P2)" "$sg_all_wall" "$sg_all_cpu" "$sg_all_rss" "$e2e_p2_wall" "$e2e_p2_cpu" "$e2e_rss"
  printf '| floor: decode rendered YAML once | %.2f | %.2f | %s | %s | | | | | |\n' "$floor_wall" "$floor_cpu" "$floor_rss" "$(rate "$floor_wall")"
  printf '| schema + policy + secrets, as a multiple of the floor | x%s | | | | | | | | |\n' "$(awk -v a="$checks_wall" -v b="$floor_wall" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')"
)
corpus_line="seed $SEED, scale $SCALE: $((n_peer + n_m)) targets ($n_k kustomize, $n_h helm, $n_m plain), $objects objects"

echo "corpus: $corpus_line"
echo "$table"
results=bench/results/$(date +%F).md
{
  echo "# pipeline benchmark $(date +%F)"
  echo
  echo "- corpus: \`go run ./bench/corpus -seed $SEED -scale $SCALE\`: $corpus_line"
  echo "- machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "- $(go version); syncgate $revision"
  echo "- peers: kustomize $KUSTOMIZE_VERSION, helm $HELM_VERSION, kubeconform $KUBECONFORM_VERSION (schemas: syncgate's embedded $kube_version set in kubeconform's layout), conftest $CONFTEST_VERSION, gitleaks $GITLEAKS_VERSION"
  echo "- median of $RUNS rounds after a warm-up, syncgate and peers alternating; commands in bench/pipeline.sh"
  echo "- syncgate's schema and policy rows are \`check --stage STAGE\` less \`check --stage render\` on the peers' rendered files (what kubeconform and conftest read); the secrets row is the same difference on the corpus (what gitleaks reads); RSS is that of the whole check"
  echo
  echo "$table"
} >"$results"
echo "bench: wrote $results"
