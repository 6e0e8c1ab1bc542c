#!/usr/bin/env bash
# Heap allocations per request of the load engine, measured, not assumed.
#
# Runs `stormdrill run` under an LD_PRELOAD shim that counts malloc/calloc/realloc/posix_memalign/aligned_alloc
# calls (bench/allocations/malloc_count.c), against `stormdrill serve campus` in a separate process (not counted).
# Each plan runs twice, for a short and a long duration; the difference in allocations divided by the difference
# in requests is the steady-state cost per request, free of start-up and report-writing allocations.
#
# Plans: a static GET (pre-encoded request, no templates) and the smoke plan's order journey (templated POST body
# with an Idempotency-Key, JSON Pointer extraction, then a GET on the extracted id).
#
# Usage: bench/allocations.sh [--short SECONDS] [--long SECONDS] [--users N]
set -euo pipefail

SHORT=2
LONG=6
USERS=20
while [ $# -gt 0 ]; do
    case "$1" in
        --short) SHORT="$2"; shift 2 ;;
        --long) LONG="$2"; shift 2 ;;
        --users) USERS="$2"; shift 2 ;;
        -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "allocations.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/stormdrill-alloc.XXXXXX")
SERVER_PID=""
cleanup() {
    [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

command -v gcc >/dev/null || { echo "allocations.sh: gcc is required" >&2; exit 2; }
echo "building stormdrill (release)…" >&2
swift build -c release --package-path "$ROOT" --product stormdrill >"$TMP/build.log" 2>&1 ||
    { tail -n 30 "$TMP/build.log" >&2; exit 2; }
BIN="$ROOT/.build/release/stormdrill"
gcc -O2 -shared -fPIC -o "$TMP/malloc_count.so" "$ROOT/bench/allocations/malloc_count.c" -ldl

"$BIN" serve campus --port 0 >"$TMP/serve.log" 2>&1 &
SERVER_PID=$!
PORT=""
for _ in $(seq 100); do
    PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/serve.log")
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { cat "$TMP/serve.log" >&2; echo "allocations.sh: campus service did not start" >&2; exit 2; }

write_plan() { # name duration steps-json
    cat >"$TMP/$1-$2.json" <<JSON
{"stormdrill": 1, "name": "$1", "seed": 1, "target": {"baseURL": "http://127.0.0.1:$PORT", "connections": $USERS},
 "load": {"model": "closed", "users": $USERS, "duration": "$2s"},
 "journeys": [{"name": "j", "steps": $3}],
 "slo": {"errorRate": 0.01}}
JSON
}
STATIC='[{"name": "health", "path": "/health"}]'
ORDER='[{"name": "place", "method": "POST", "path": "/orders", "headers": {"Idempotency-Key": "{{order.idempotencyKey}}"},
  "body": {"reference": "{{order.id}}", "student": "{{order.student}}", "dorm": "{{order.dorm}}", "canteen": "{{order.canteen}}",
           "items": "{{order.items}}", "total": "{{order.total}}", "slot": "{{order.slot}}", "payment": "{{order.payment}}",
           "pickupPoint": "{{order.pickupPoint}}"}, "expect": [201], "extract": {"orderId": "/id"}},
  {"name": "status", "path": "/orders/{{extract.orderId}}", "expect": [200]}]'

run_counted() { # plan → "allocations requests"
    rm -rf "$TMP/out"
    MALLOC_COUNT_FILE="$TMP/count" LD_PRELOAD="$TMP/malloc_count.so" "$BIN" run "$1" --quiet --out "$TMP/out" \
        >/dev/null 2>"$TMP/run.err" || true
    local report
    report=$(find "$TMP/out" -name report.json | head -n 1)
    [ -n "$report" ] || { cat "$TMP/run.err" >&2; echo "allocations.sh: no report" >&2; exit 1; }
    python3 - "$report" "$TMP/count" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
allocs = open(sys.argv[2]).read().split()[0]
print(allocs, r["totals"]["requests"], r["totals"]["errors"])
PY
}

printf "%-28s %12s %12s %14s\n" "plan" "requests" "allocations" "allocs/request"
for name in static order; do
    steps=$STATIC
    [ "$name" = order ] && steps=$ORDER
    write_plan "$name" "$SHORT" "$steps"
    write_plan "$name" "$LONG" "$steps"
    read -r a1 r1 e1 < <(run_counted "$TMP/$name-$SHORT.json")
    read -r a2 r2 e2 < <(run_counted "$TMP/$name-$LONG.json")
    [ "$e1" = 0 ] && [ "$e2" = 0 ] || echo "note: $name had errors ($e1, $e2)" >&2
    printf "%-28s %12s %12s %14s\n" "$name (${SHORT}s)" "$r1" "$a1" "-"
    printf "%-28s %12s %12s %14s\n" "$name (${LONG}s)" "$r2" "$a2" "-"
    awk -v a1="$a1" -v a2="$a2" -v r1="$r1" -v r2="$r2" -v n="$name" \
        'BEGIN { printf "%-28s %12d %12d %14.2f\n", n " (steady state)", r2 - r1, a2 - a1, (a2 - a1) / (r2 - r1) }'
done
