#!/usr/bin/env bash
# bench/serve.sh - syncgate serve against opa run --server, same machine, same run, same Rego.
#
# Run from anywhere (it cds to the repo root):   make bench-serve
#
# Both servers listen on loopback over TLS (one self-signed certificate) and answer the
# same Deployment under hey (16 connections, keep-alive):
#
#   syncgate   POST /v1/admission, an AdmissionReview of bench/serve/review.json, with
#              --policy bench/serve/policy --no-default-policies: the Rego below, plus
#              schema validation and the secrets scan
#   opa        POST /v1/data/main/deny with {"input": <the Deployment>}: the Rego alone
#
# The machine is shared, so the two take turns: BENCH_ROUNDS rounds of syncgate then opa,
# and the table gives each one's median round, and the median of each one's CPU time per
# request (its own, read from /proc: hey shares the CPUs). Then, on syncgate alone:
#
#   profile    a CPU profile of BENCH_PROFILE_S seconds under load (serve --profiling):
#              the top of it goes into the result, the profile into bench/.work/serve
#   RSS        BENCH_RSS_N reviews in all (default 100000), the server's RSS sampled at
#              10%, 50% and 100% of them
#   apiserver  with the real kube-apiserver (bin/apiserver, make apiserver), the latency
#              the apiserver sees for the webhook call: BenchmarkApiserverWebhook
#
# Tools: hey v0.1.5 and opa v1.22.4, go-installed into bench/.bin. Knobs: BENCH_N
# (requests per round, default 20000), BENCH_C (connections, 16), BENCH_ROUNDS (3),
# BENCH_RSS_N (100000; 0 skips), BENCH_PROFILE_S (10; 0 skips), BENCH_APISERVER_N
# (2000 creates per namespace; 0 skips), BENCH_SYNCGATE (a syncgate binary to measure
# instead of building this tree, for a before/after). Writes bench/results/serve-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BIN=$REPO/bench/.bin
WORK=$REPO/bench/.work/serve
N=${BENCH_N:-20000}
C=${BENCH_C:-16}
ROUNDS=${BENCH_ROUNDS:-3}
RSS_N=${BENCH_RSS_N:-100000}
PROFILE_S=${BENCH_PROFILE_S:-10}
API_N=${BENCH_APISERVER_N:-2000}
die() { echo "bench/serve.sh: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

mkdir -p "$BIN" "$WORK"
[[ -x $BIN/hey ]] || { note "go install hey"; GOBIN=$BIN go install github.com/rakyll/hey@v0.1.5; }
[[ -x $BIN/opa ]] || { note "go install opa (a few minutes)"; GOBIN=$BIN go install github.com/open-policy-agent/opa@v1.22.4; }
SYNCGATE=${BENCH_SYNCGATE:-}
if [[ -z $SYNCGATE ]]; then
  note "build syncgate"
  go build -o "$WORK/syncgate" ./cmd/syncgate
  SYNCGATE=$WORK/syncgate
fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
jq -c '{input: .request.object}' bench/serve/review.json >"$WORK/opa-input.json"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# --profiling only where the binary has it (a BENCH_SYNCGATE from before it may not).
profiling=()
"$SYNCGATE" serve --help 2>&1 | grep -q -- --profiling && profiling=(--profiling)
"$SYNCGATE" serve --addr 127.0.0.1:18443 --metrics-addr 127.0.0.1:19090 \
  --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key" \
  --policy bench/serve/policy --no-default-policies --max-inflight 256 "${profiling[@]}" \
  >/dev/null 2>"$WORK/syncgate.log" &
pids+=($!); sg_pid=$!
"$BIN/opa" run --server --addr 127.0.0.1:18181 --log-level error \
  --tls-cert-file "$WORK/tls.crt" --tls-private-key-file "$WORK/tls.key" \
  bench/serve/policy >"$WORK/opa.log" 2>&1 &
pids+=($!); opa_pid=$!

ready() { for _ in $(seq 1200); do curl -sfk "$1" >/dev/null && return 0; sleep 0.1; done; die "$1 never answered"; }
ready https://127.0.0.1:18443/readyz
ready https://127.0.0.1:18181/health

SG_URL=https://127.0.0.1:18443/v1/admission
OPA_URL=https://127.0.0.1:18181/v1/data/main/deny
# Both must answer the same question the same way before they are timed.
sg_answer=$(curl -sfk -H 'Content-Type: application/json' --data-binary @bench/serve/review.json "$SG_URL")
opa_answer=$(curl -sfk -H 'Content-Type: application/json' --data-binary @"$WORK/opa-input.json" "$OPA_URL")
[[ $(jq -r .response.allowed <<<"$sg_answer") == true ]] || die "syncgate denies the review: $sg_answer"
[[ $(jq -r '.result | length' <<<"$opa_answer") == 0 ]] || die "opa denies the input: $opa_answer"

# cpu PID: the CPU time, user and system, the process has used, in clock ticks.
cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# load NAME URL BODY N PID: N requests under hey; prints "req/s p50 p99 cpu" (ms, and
# the server PID's CPU time per request in microseconds).
load() {
  local before
  before=$(cpu "$5")
  "$BIN/hey" -n "$4" -c "$C" -m POST -T application/json -D "$3" "$2" >"$WORK/$1.hey"
  grep -q '\[200\]' "$WORK/$1.hey" && ! grep -qE '^\s+\[[013-9][0-9]*\]' "$WORK/$1.hey" ||
    die "$1: not every answer was 200: $(cat "$WORK/$1.hey")"
  awk -v ticks="$(($(cpu "$5") - before))" -v hz="$(getconf CLK_TCK)" -v n="$4" \
    '/Requests\/sec/ { rps = $2 } /50%+ in/ { p50 = $3 * 1000 } /99%+ in/ { p99 = $3 * 1000 }
     END { printf "%.0f %.2f %.2f %.0f\n", rps, p50, p99, ticks / hz / n * 1e6 }' "$WORK/$1.hey"
}
"$BIN/hey" -n 500 -c "$C" -m POST -T application/json -D bench/serve/review.json "$SG_URL" >/dev/null
"$BIN/hey" -n 500 -c "$C" -m POST -T application/json -D "$WORK/opa-input.json" "$OPA_URL" >/dev/null
: >"$WORK/rounds"
for r in $(seq "$ROUNDS"); do
  note "round $r/$ROUNDS: syncgate serve, then opa run --server, $N requests each"
  echo "syncgate $r $(load syncgate-$r "$SG_URL" bench/serve/review.json "$N" "$sg_pid") $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/rounds"
  echo "opa $r $(load opa-$r "$OPA_URL" "$WORK/opa-input.json" "$N" "$opa_pid") $(cut -d' ' -f1 /proc/loadavg)" >>"$WORK/rounds"
done
# median NAME COLUMN: the round of NAME with the median value in COLUMN of WORK/rounds
# (3: requests/s, 6: CPU time per request), as "req/s p50 p99 cpu".
median() { awk -v n="$1" -v c="$2" '$1 == n { print $c, $3, $4, $5, $6 }' "$WORK/rounds" | sort -n | awk '{ r[NR] = $0 } END { print r[int((NR + 1) / 2)] }' | cut -d' ' -f2-; }
read -r sg_rps sg_p50 sg_p99 _ < <(median syncgate 3)
read -r opa_rps opa_p50 opa_p99 _ < <(median opa 3)
read -r _ _ _ sg_cpu < <(median syncgate 6)
read -r _ _ _ opa_cpu < <(median opa 6)
rss() { awk -v f="$2" '$1 == f":" { printf "%.0f MiB", $2 / 1024 }' "/proc/$1/status"; }
sg_rss=$(rss "$sg_pid" VmHWM) opa_rss=$(rss "$opa_pid" VmHWM)
kill "$opa_pid"

profile=""
if [[ $PROFILE_S -gt 0 && ${#profiling[@]} -gt 0 ]]; then
  note "CPU profile of syncgate serve, ${PROFILE_S}s under load"
  curl -sf "http://127.0.0.1:19090/debug/pprof/profile?seconds=$PROFILE_S" >"$WORK/cpu.prof" &
  prof_pid=$!
  "$BIN/hey" -z "$((PROFILE_S + 2))s" -c "$C" -m POST -T application/json -D bench/serve/review.json "$SG_URL" >/dev/null
  wait "$prof_pid"
  # The stages of a review, by their share of the server's CPU.
  profile=$(go tool pprof -top -cum -nodecount=400 "$SYNCGATE" "$WORK/cpu.prof" 2>/dev/null |
    grep -E 'Total samples|net/http.\(\*conn\).serve$|server.\(\*Server\).admission$|server.decodeReview$|validate.\(\*Validator\).validateObject$|policy.\(\*Engine\).EvaluateWithSecrets$|ast.InterfaceToValue$|server.writeReview$|secrets.\(\*Scanner\).Objects$|server.\(\*Server\).record$|crypto/tls.\(\*Conn\).(Read|Write)$|runtime.gcBgMarkWorker$|runtime.mallocgc$|runtime.newstack$' || true)
fi

rss_rows=""
if [[ $RSS_N -gt 0 ]]; then
  note "RSS of syncgate serve over $RSS_N more reviews"
  sent=0
  for mark in $((RSS_N / 10)) $((RSS_N / 2)) "$RSS_N"; do
    load rss "$SG_URL" bench/serve/review.json "$((mark - sent))" "$sg_pid" >/dev/null
    sent=$mark
    rss_rows+="| $mark | $(rss "$sg_pid" VmRSS) | $(rss "$sg_pid" VmHWM) |"$'\n'
  done
fi
cleanup; pids=()

api=""
if [[ $API_N -gt 0 ]]; then
  export SYNCGATE_APISERVER_BIN=${SYNCGATE_APISERVER_BIN:-$REPO/bin/apiserver}
  note "the webhook through the real kube-apiserver ($SYNCGATE_APISERVER_BIN)"
  if api=$(go test ./server -run '^$' -bench '^BenchmarkApiserverWebhook$' -benchtime "${API_N}x" 2>&1 | grep '^BenchmarkApiserverWebhook'); then :; else
    api="not run: $(go test ./server -run '^$' -bench '^BenchmarkApiserverWebhook$' -benchtime 1x 2>&1 | grep -m1 -E 'NOT RUN|FAIL' || echo unknown)"
  fi
fi

out=bench/results/serve-$(date -u +%F).md
{
  echo "# syncgate serve against opa run --server, $(date -u +%F)"
  echo
  echo "\`make bench-serve\` (bench/serve.sh): $ROUNDS rounds of $N requests each, syncgate and opa in turn,"
  echo "$C keep-alive TLS connections (hey v0.1.5) on loopback, after 500 warm-up requests; $(nproc) CPUs."
  echo "Each server's median round (by requests/s):"
  echo
  echo "| server | checks | requests/s | p50 ms | p99 ms | CPU µs/request | peak RSS |"
  echo "|---|---|---|---|---|---|---|"
  echo "| syncgate serve | AdmissionReview: schema, Rego, secrets | $sg_rps | $sg_p50 | $sg_p99 | $sg_cpu | $sg_rss |"
  echo "| opa run --server v1.22.4 | data API: the same Rego | $opa_rps | $opa_p50 | $opa_p99 | $opa_cpu | $opa_rss |"
  echo
  awk -v a="$sg_rps" -v b="$opa_rps" -v c="$sg_p99" -v d="$opa_p99" -v e="$sg_cpu" -v f="$opa_cpu" \
    'BEGIN { printf "syncgate / opa: throughput x%.2f, p99 x%.2f, CPU time per request x%.2f\n", a / b, c / d, e / f }'
  echo
  echo "CPU µs/request: the server's own CPU time over a round (from /proc), median of the rounds;"
  echo "unlike requests/s it does not count what hey, sharing the CPUs, left the server."
  echo
  echo "Every round (server, round, requests/s, p50 ms, p99 ms, CPU µs/request, 1-minute load"
  echo "average after it):"
  echo
  echo '```'
  cat "$WORK/rounds"
  echo '```'
  if [[ -n $profile ]]; then
    echo
    echo "CPU profile of syncgate serve, ${PROFILE_S}s under the same load (cumulative share of the server's CPU):"
    echo
    echo '```'
    echo "$profile"
    echo '```'
  fi
  if [[ -n $rss_rows ]]; then
    echo
    echo "RSS of syncgate serve over $RSS_N more reviews (after the rounds above):"
    echo
    echo "| reviews | RSS | peak RSS |"
    echo "|---|---|---|"
    printf '%s' "$rss_rows"
  fi
  if [[ -n $api ]]; then
    echo
    echo "Through the real kube-apiserver (BenchmarkApiserverWebhook, $API_N server-side dry-run creates of the"
    echo "Deployment by 16 clients into a namespace the webhook covers, gated, and one it does not, ungated;"
    echo "webhook-*: the apiserver's apiserver_admission_webhook_admission_duration_seconds for the call,"
    echo "p50/p99 as the upper bound of their histogram bucket):"
    echo
    echo '```'
    echo "$api"
    echo '```'
  fi
} >"$out"
cat "$out"
