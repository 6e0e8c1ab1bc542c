#!/usr/bin/env bash
# Campus platform throughput, the figures behind docs/benchmarks.md ("Campus platform throughput").
#
# Builds stormdrill in release, starts `stormdrill serve campus --profile resilient` (the order service with its
# payment, dispatch and notification services, SQLite in a temp folder) on free loopback ports, and runs a generated
# open-model plan at each rate in turn: every journey is one `POST /orders` with an Idempotency-Key, the body of
# plans/smoke.json's order journey. Each order is charged (HTTP call to payment), group-committed to SQLite
# (WAL, synchronous=FULL) before its 201, then dispatched, delivered and notified in the background.
# Prints, per rate, the achieved orders/s (201s per second of load), the error rate and the p99 from each
# report.json, plus the platform's own order count afterwards. Goal: at least 2,000 orders/s.
#
# Usage: bench/campus-orders.sh [--rates "1000 2000 3000"] [--duration S] [--connections C] [--scratch-path DIR]
#   --rates "R …"     orders per second, one run each (default "1000 2000 3000")
#   --duration S      seconds per run (default 10)
#   --connections C   keep-alive connections of the load generator (default 64)
#   --scratch-path D  SwiftPM build folder for the release build (default .build)
# Exit status: 0 if some rate reached 2,000 orders/s with under 1 % errors, 1 if not, 2 on a set-up problem.
set -euo pipefail

RATES="1000 2000 3000"
DURATION=10
CONNECTIONS=64
SCRATCH=""

usage() { sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "campus-orders.sh: $*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
    case "$1" in
        --rates) RATES="${2:-}"; shift 2 || die "--rates needs a value" ;;
        --duration) DURATION="${2:-}"; shift 2 || die "--duration needs a value" ;;
        --connections) CONNECTIONS="${2:-}"; shift 2 || die "--connections needs a value" ;;
        --scratch-path) SCRATCH="${2:-}"; shift 2 || die "--scratch-path needs a value" ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
for v in DURATION CONNECTIONS; do
    is_uint "${!v}" && [ "${!v}" -ge 1 ] || die "--$(echo "$v" | tr 'A-Z' 'a-z') must be a whole number ≥ 1"
done
for r in $RATES; do is_uint "$r" && [ "$r" -ge 1 ] || die "--rates must be whole numbers ≥ 1"; done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/common.sh"
[ -n "$SCRATCH" ] || SCRATCH="$ROOT/.build"
command -v swift >/dev/null || die "swift is not on PATH"
command -v python3 >/dev/null || die "python3 is needed to read report.json"
command -v curl >/dev/null || die "curl is needed"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stormdrill-campus-bench.XXXXXX")
SERVE_PID=""
cleanup() {
    stop_pid "$SERVE_PID"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

build_release "$ROOT" stormdrill "$SCRATCH"

"$BIN" serve campus --profile resilient --data "$TMP/data" --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVE_PID=$!
for _ in $(seq 200); do
    grep -q "notification listening" "$TMP/serve.out" 2>/dev/null && break
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$TMP/serve.err" >&2; die "stormdrill serve exited"; }
    sleep 0.1
done
PORT=$(sed -n 's|^campus service listening on http://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$TMP/serve.out")
[ -n "$PORT" ] || { cat "$TMP/serve.out" "$TMP/serve.err" >&2; die "order service port not found"; }
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || die "no answer from the order service"
sed 's/^/  /' "$TMP/serve.out"

plan() { # plan RATE
    cat >"$TMP/orders-$1.json" <<JSON
{
  "stormdrill": 1,
  "name": "campus-orders-$1",
  "seed": $1,
  "target": {"baseURL": "http://127.0.0.1:$PORT", "timeout": "5s", "connections": $CONNECTIONS},
  "load": {"model": "open", "arrival": "poisson", "stages": [{"duration": "${DURATION}s", "rate": $1}], "maxInFlight": 5000},
  "journeys": [
    {
      "name": "place-order",
      "steps": [
        {
          "name": "place-order",
          "method": "POST",
          "path": "/orders",
          "headers": { "Idempotency-Key": "{{order.idempotencyKey}}" },
          "body": {
            "reference": "{{order.id}}",
            "student": "{{order.student}}",
            "dorm": "{{order.dorm}}",
            "gate": "{{order.gate}}",
            "canteen": "{{order.canteen}}",
            "items": "{{order.items}}",
            "total": "{{order.total}}",
            "slot": "{{order.slot}}",
            "payment": "{{order.payment}}",
            "pickupPoint": "{{order.pickupPoint}}"
          },
          "expect": [201]
        }
      ]
    }
  ],
  "slo": { "p99": "250ms", "errorRate": 0.01 }
}
JSON
}

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
for rate in $RATES; do
    plan "$rate"
    rc=0
    report=$("$BIN" run "$TMP/orders-$rate.json" --out "$TMP/reports" --quiet 2>"$TMP/run.err") || rc=$?
    if [ ! -f "$report" ]; then
        echo "  $rate/s: no report (exit $rc)" >&2
        head -n 5 "$TMP/run.err" >&2
        continue
    fi
    python3 - "$report" "$rate" "$rc" "$DURATION" >>"$RESULTS" <<'PY'
import json, sys
path, rate, rc, duration = sys.argv[1:]
r = json.load(open(path))
t = r.get("totals", {})
lat, svc = r.get("latency", {}), r.get("serviceLatency", {})
gen = r.get("generator", {})
print("\t".join(str(x) for x in [rate, rc, t.get("journeysOk", 0) / float(duration), t.get("errorRate", 0),
      lat.get("p50", 0), lat.get("p99", 0), svc.get("p99", 0), t.get("dropped", 0), r.get("verdict", ""),
      gen.get("saturated", "")]))
PY
    tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "  %5s/s offered: %7.0f orders/s acknowledged, error rate %.4f, p99 %.1f ms (first byte %.1f ms), verdict %s\n", $1, $3, $4, $6, $7, $9 }'
done
ORDERS=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^campus_orders_placed_total/ { s += $NF } END { print s + 0 }')

echo
echo "Campus platform throughput, $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs ($(uname -r)), $(swift --version 2>/dev/null | head -n 1 | sed 's/ (swift-.*//')," \
    "stormdrill serve campus --profile resilient (release) and the load generator on the same machine, ${DURATION} s per rate," \
    "$CONNECTIONS connections; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) at the end"
echo
echo "| offered orders/s | acknowledged orders/s | error rate | p50 ms | p99 ms (intended time) | p99 ms (first byte) | dropped | verdict |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|"
awk -F'\t' '{ printf "| %s | %.0f | %.4f | %.2f | %.2f | %.2f | %s | %s |\n", $1, $3, $4, $5, $6, $7, $8, $9 }' "$RESULTS"
echo
echo "orders the platform placed in all runs (campus_orders_placed_total): $ORDERS"
awk -F'\t' '$3 >= 2000 && $4 < 0.01 { ok = 1 } END { exit !ok }' "$RESULTS" && { echo "goal (2,000 orders/s) met"; exit 0; }
echo "goal (2,000 orders/s) NOT met"
exit 1
