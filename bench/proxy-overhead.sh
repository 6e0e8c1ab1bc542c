#!/usr/bin/env bash
# Fault proxy overhead, the figures behind docs/benchmarks.md ("Fault proxy overhead").
#
# Round-trip latency on loopback to nginx (one worker, bench/nginx-bench.conf) directly and through StormDrill's
# fault proxy without toxics, as a TCP proxy and as an HTTP proxy (requests parsed with NIOHTTP1), side by side in
# one run: the same open-model load (uniform arrivals at --rate requests/s, keep-alive connections) from
# `stormdrill run`, its p50/p99 read from each run's report.json, variants interleaved over --rounds rounds.
# Prints one Markdown table and the latency the proxy adds at p50 and p99 (goal: under 100 µs at p50).
#
# From a fresh machine: installs nginx with apt-get if missing, builds stormdrill in release, starts nginx and
# `stormdrill proxy` on free loopback ports in a temp dir, runs, prints, stops both. Traffic goes to 127.0.0.1 only.
#
# Usage: bench/proxy-overhead.sh [--rate R] [--duration S] [--rounds N] [--connections C] [--scratch-path DIR]
#   --rate R          requests per second (default 1000)
#   --duration S      seconds per run (default 10)
#   --rounds N        rounds over the variants (default 2)
#   --connections C   keep-alive connections of the load generator (default 16)
#   --scratch-path D  SwiftPM build folder for the release build (default .build)
# Exit status: 0 if every run completed without errors, 1 if one failed, 2 on a set-up problem.
set -euo pipefail

RATE=1000
DURATION=10
ROUNDS=2
CONNECTIONS=16
SCRATCH=""

usage() { sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "proxy-overhead.sh: $*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
    case "$1" in
        --rate) RATE="${2:-}"; shift 2 || die "--rate needs a value" ;;
        --duration) DURATION="${2:-}"; shift 2 || die "--duration needs a value" ;;
        --rounds) ROUNDS="${2:-}"; shift 2 || die "--rounds needs a value" ;;
        --connections) CONNECTIONS="${2:-}"; shift 2 || die "--connections needs a value" ;;
        --scratch-path) SCRATCH="${2:-}"; shift 2 || die "--scratch-path needs a value" ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
for v in RATE DURATION ROUNDS CONNECTIONS; do
    is_uint "${!v}" && [ "${!v}" -ge 1 ] || die "--$(echo "$v" | tr 'A-Z' 'a-z') must be a whole number ≥ 1"
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/common.sh"
[ -n "$SCRATCH" ] || SCRATCH="$ROOT/.build"
CONF_TEMPLATE="$ROOT/bench/nginx-bench.conf"
[ -f "$CONF_TEMPLATE" ] || die "missing $CONF_TEMPLATE"
command -v swift >/dev/null || die "swift is not on PATH"
command -v python3 >/dev/null || die "python3 is needed to read report.json"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stormdrill-proxy-bench.XXXXXX")
NGINX_PID=""
PROXY_PID=""
cleanup() {
    stop_pid "$PROXY_PID"
    stop_pid "$NGINX_PID"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------------------
# nginx (installed if missing), as bench/http-client.sh does.

ensure_nginx

# ---------------------------------------------------------------------------------------------------------------
# stormdrill, release.

build_release "$ROOT" stormdrill "$SCRATCH"

# ---------------------------------------------------------------------------------------------------------------
# nginx on a free port.

. "$ROOT/bench/lib/nginx.sh"
start_nginx

# ---------------------------------------------------------------------------------------------------------------
# stormdrill proxy: one TCP and one HTTP proxy in front of nginx, from a populate-format config.

cat >"$TMP/proxies.json" <<JSON
[
  {"name": "bench-tcp", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:$PORT"},
  {"name": "bench-http", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:$PORT", "protocol": "http"}
]
JSON
"$BIN" proxy --api 127.0.0.1:0 --config "$TMP/proxies.json" >"$TMP/proxy.out" 2>"$TMP/proxy.err" &
PROXY_PID=$!
for _ in $(seq 100); do
    grep -q "Toxiproxy API listening" "$TMP/proxy.out" 2>/dev/null && break
    kill -0 "$PROXY_PID" 2>/dev/null || { cat "$TMP/proxy.err" >&2; die "stormdrill proxy exited"; }
    sleep 0.1
done
proxy_port() { sed -n "s/^proxy $1 .* listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p" "$TMP/proxy.out"; }
TCP_PORT=$(proxy_port bench-tcp)
HTTP_PORT=$(proxy_port bench-http)
[ -n "$TCP_PORT" ] && [ -n "$HTTP_PORT" ] || { cat "$TMP/proxy.out" "$TMP/proxy.err" >&2; die "proxy ports not found"; }
for p in "$PORT" "$TCP_PORT" "$HTTP_PORT"; do
    curl -sf "http://127.0.0.1:$p/" >/dev/null || die "no answer from 127.0.0.1:$p"
done
echo "nginx on 127.0.0.1:$PORT; stormdrill proxy: tcp on :$TCP_PORT, http on :$HTTP_PORT (pid $PROXY_PID)"

# ---------------------------------------------------------------------------------------------------------------
# The runs: one open-model plan per variant, variants rotated each round.

plan() { # plan NAME PORT
    cat >"$TMP/$1.json" <<JSON
{
  "stormdrill": 1,
  "name": "proxy-overhead-$1",
  "seed": 7,
  "target": {"baseURL": "http://127.0.0.1:$2", "timeout": "5s", "connections": $CONNECTIONS},
  "load": {"model": "open", "arrival": "uniform", "stages": [{"duration": "${DURATION}s", "rate": $RATE}], "maxInFlight": 1000},
  "journeys": [{"name": "get", "steps": [{"name": "get", "method": "GET", "path": "/", "expect": [200]}]}]
}
JSON
}
NAMES=(direct tcp-proxy http-proxy)
plan direct "$PORT"
plan tcp-proxy "$TCP_PORT"
plan http-proxy "$HTTP_PORT"

# Warm-up (not recorded): connections, page cache, the CPU's clocks.
"$BIN" run "$TMP/direct.json" --out "$TMP/warmup" --quiet >/dev/null 2>&1 || true

RESULTS="$TMP/results.tsv"
: >"$RESULTS"
FAILED=""
for round in $(seq "$ROUNDS"); do
    for k in 0 1 2; do
        name=${NAMES[$(((k + round - 1) % 3))]}
        rc=0
        report=$("$BIN" run "$TMP/$name.json" --out "$TMP/reports" --quiet 2>"$TMP/run.err") || rc=$?
        if [ ! -f "$report" ]; then
            FAILED=1
            echo "  round $round  $name: no report (exit $rc)" >&2
            head -n 5 "$TMP/run.err" >&2
            continue
        fi
        python3 - "$report" "$name" "$round" "$rc" >>"$RESULTS" <<'PY'
import json, sys
path, name, rnd, rc = sys.argv[1:]
r = json.load(open(path))
t = r.get("totals", {})
def pick(summary, key):
    return summary.get(key, 0) if isinstance(summary, dict) else 0
lat, svc = r.get("latency", {}), r.get("serviceLatency", {})
print("\t".join(str(x) for x in [name, rnd, rc, t.get("requests", pick(lat, "count")), t.get("errors", 0) + t.get("dropped", 0),
      pick(svc, "p50"), pick(svc, "p99"), pick(lat, "p50"), pick(lat, "p99"), r.get("verdict", "")]))
PY
        tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "  round %s  %-10s %7s requests, %s errors, service p50 %.3f ms p99 %.3f ms (exit %s, %s)\n", $2, $1, $4, $5, $6, $7, $3, $10 }'
        awk -F'\t' -v n="$name" '$1 == n && ($5 + 0 > 0) { bad = 1 } END { exit bad }' "$RESULTS" || FAILED=1
    done
done

# ---------------------------------------------------------------------------------------------------------------
# The table: medians over rounds; added latency = through the proxy minus direct.

echo
echo "Fault proxy overhead, $(date -u '+%Y-%m-%d %H:%M UTC'): $(nproc) CPUs ($(uname -r)), $(swift --version 2>/dev/null | head -n 1 | sed 's/ (swift-.*//')," \
    "nginx 1 worker on 127.0.0.1, $RATE requests/s uniform open model, $CONNECTIONS keep-alive connections, ${DURATION} s x $ROUNDS rounds," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) at the end (other work on the machine shows here)"
echo
python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for name, rnd, rc, req, err, sp50, sp99, lp50, lp99, verdict in rows:
    by.setdefault(name, []).append(tuple(float(x) for x in (req, err, sp50, sp99, lp50, lp99)))
def med(name, i):
    return statistics.median(r[i] for r in by[name]) if name in by else float("nan")
print("| variant | requests/run | errors | p50 ms (first byte) | p99 ms (first byte) | p50 ms (intended time) | p99 ms (intended time) | added p50 µs | added p99 µs |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in ("direct", "tcp-proxy", "http-proxy"):
    if name not in by:
        continue
    added = "" if name == "direct" else "| %+.0f | %+.0f " % ((med(name, 2) - med("direct", 2)) * 1000, (med(name, 3) - med("direct", 3)) * 1000)
    print("| %s | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f %s|" % (
        name, med(name, 0), sum(r[1] for r in by[name]), med(name, 2), med(name, 3), med(name, 4), med(name, 5),
        added if added else "| – | – "))
print()
for name in ("tcp-proxy", "http-proxy"):
    if name in by and "direct" in by:
        added = (med(name, 2) - med("direct", 2)) * 1000
        print("%s adds %.0f µs at p50 and %.0f µs at p99 (goal: under 100 µs at p50: %s)" % (
            name, added, (med(name, 3) - med("direct", 3)) * 1000, "met" if added < 100 else "NOT met"))
PY
[ -z "$FAILED" ] || { echo "some runs failed or had errors" >&2; exit 1; }
