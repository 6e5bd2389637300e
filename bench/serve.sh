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
# Tools: hey v0.1.5 and opa v1.22.4, go-installed into bench/.bin. Knobs: BENCH_N
# (requests per run, default 20000), BENCH_C (connections, 16). Writes
# bench/results/serve-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BIN=$REPO/bench/.bin
WORK=$REPO/bench/.work/serve
N=${BENCH_N:-20000}
C=${BENCH_C:-16}
die() { echo "bench/serve.sh: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

mkdir -p "$BIN" "$WORK"
[[ -x $BIN/hey ]] || { note "go install hey"; GOBIN=$BIN go install github.com/rakyll/hey@v0.1.5; }
[[ -x $BIN/opa ]] || { note "go install opa (a few minutes)"; GOBIN=$BIN go install github.com/open-policy-agent/opa@v1.22.4; }
note "build syncgate"
go build -o "$WORK/syncgate" ./cmd/syncgate

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 2>/dev/null
jq -c '{input: .request.object}' bench/serve/review.json >"$WORK/opa-input.json"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"$WORK/syncgate" serve --addr 127.0.0.1:18443 --metrics-addr 127.0.0.1:19090 \
  --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key" \
  --policy bench/serve/policy --no-default-policies --max-inflight 256 \
  >/dev/null 2>"$WORK/syncgate.log" &
pids+=($!); sg_pid=$!
"$BIN/opa" run --server --addr 127.0.0.1:18181 --log-level error \
  --tls-cert-file "$WORK/tls.crt" --tls-private-key-file "$WORK/tls.key" \
  bench/serve/policy >"$WORK/opa.log" 2>&1 &
pids+=($!); opa_pid=$!

ready() { for _ in $(seq 300); do curl -sfk "$1" >/dev/null && return 0; sleep 0.1; done; die "$1 never answered"; }
ready https://127.0.0.1:18443/readyz
ready https://127.0.0.1:18181/health

# Both must answer the same question the same way before they are timed.
sg_answer=$(curl -sfk -H 'Content-Type: application/json' --data-binary @bench/serve/review.json https://127.0.0.1:18443/v1/admission)
opa_answer=$(curl -sfk -H 'Content-Type: application/json' --data-binary @"$WORK/opa-input.json" https://127.0.0.1:18181/v1/data/main/deny)
[[ $(jq -r .response.allowed <<<"$sg_answer") == true ]] || die "syncgate denies the review: $sg_answer"
[[ $(jq -r '.result | length' <<<"$opa_answer") == 0 ]] || die "opa denies the input: $opa_answer"

# run NAME URL BODY: a warm-up, then the timed run; prints "req/s p50 p99" (ms).
run() {
  "$BIN/hey" -n 500 -c "$C" -m POST -T application/json -D "$3" "$2" >/dev/null
  "$BIN/hey" -n "$N" -c "$C" -m POST -T application/json -D "$3" "$2" >"$WORK/$1.hey"
  grep -q '\[200\]' "$WORK/$1.hey" || die "$1: not every answer was 200: $(cat "$WORK/$1.hey")"
  awk '/Requests\/sec/ { rps = $2 } /50%+ in/ { p50 = $3 * 1000 } /99%+ in/ { p99 = $3 * 1000 }
       END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }' "$WORK/$1.hey"
}
note "syncgate serve: $N requests, $C connections"
read -r sg_rps sg_p50 sg_p99 < <(run syncgate https://127.0.0.1:18443/v1/admission bench/serve/review.json)
note "opa run --server: $N requests, $C connections"
read -r opa_rps opa_p50 opa_p99 < <(run opa https://127.0.0.1:18181/v1/data/main/deny "$WORK/opa-input.json")
rss() { awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$1/status"; }
sg_rss=$(rss "$sg_pid") opa_rss=$(rss "$opa_pid")

out=bench/results/serve-$(date -u +%F).md
{
  echo "# syncgate serve against opa run --server, $(date -u +%F)"
  echo
  echo "\`make bench-serve\` (bench/serve.sh): $N requests, $C keep-alive TLS connections (hey v0.1.5)"
  echo "on loopback, after 500 warm-up requests; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo
  echo "| server | checks | requests/s | p50 ms | p99 ms | peak RSS |"
  echo "|---|---|---|---|---|---|"
  echo "| syncgate serve | AdmissionReview: schema, Rego, secrets | $sg_rps | $sg_p50 | $sg_p99 | $sg_rss |"
  echo "| opa run --server v1.22.4 | data API: the same Rego | $opa_rps | $opa_p50 | $opa_p99 | $opa_rss |"
  echo
  awk -v a="$sg_rps" -v b="$opa_rps" -v c="$sg_p99" -v d="$opa_p99" \
    'BEGIN { printf "syncgate / opa: throughput x%.2f, p99 x%.2f\n", a / b, c / d }'
} >"$out"
cat "$out"
