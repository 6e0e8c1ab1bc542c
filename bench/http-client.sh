#!/usr/bin/env bash
# HTTP client stack benchmark behind docs/adr/0001-http-client.md.
#
# Pits AsyncHTTPClient, a lean client pipeline on the stock NIOHTTP1 codecs and StormDrill's own engine (pre-encoded
# requests + hand-written response parser) against nginx with ONE worker on 127.0.0.1, closed loop, keep-alive,
# same connections and duration for every variant, with wrk as a reference point. Prints one Markdown table:
# requests per second, client CPU time per request, peak RSS and the ratios to AsyncHTTPClient, plus where the CPU
# of the machine went during each run (client, nginx, anything else) so that a noisy run is visible as such.
#
# From a fresh machine: installs nginx (and wrk, GNU time) with apt-get if missing, builds bench/http-client in
# release, starts its own nginx from bench/nginx-bench.conf in a temp dir on a free port, runs the variants over
# a couple of rounds in rotating order, prints the table and stops nginx. Traffic goes to 127.0.0.1 only.
#
# Usage: bench/http-client.sh [--duration S] [--connections N] [--short] [--rounds R] [--event-loops N]
#                             [--quiet-wait S] [--json FILE]
#   --duration S     seconds per run (default 5); --short is --duration 2
#   --connections N  concurrent keep-alive connections / closed-loop users (default 50)
#   --rounds R       rounds over all variants, order rotated each round (default 2)
#   --event-loops N  event loops for ahc, nio and stormdrill (default: nproc); nio and stormdrill also run with 1
#   --quiet-wait S   at most S seconds in total to wait for other CPU load to settle before runs (default 60)
#   --json FILE      also write every run's JSON line to FILE
# Exit status: 0 if every variant ran without errors, 1 if one failed, 2 on a set-up problem.
set -euo pipefail

DURATION=5
CONNECTIONS=50
ROUNDS=2
EVENT_LOOPS=""
QUIET_WAIT=60
JSON_OUT=""

usage() { sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "http-client.sh: $*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION="${2:-}"; shift 2 || die "--duration needs a value" ;;
        --duration=*) DURATION="${1#*=}"; shift ;;
        --connections) CONNECTIONS="${2:-}"; shift 2 || die "--connections needs a value" ;;
        --connections=*) CONNECTIONS="${1#*=}"; shift ;;
        --short) DURATION=2; shift ;;
        --rounds) ROUNDS="${2:-}"; shift 2 || die "--rounds needs a value" ;;
        --rounds=*) ROUNDS="${1#*=}"; shift ;;
        --event-loops) EVENT_LOOPS="${2:-}"; shift 2 || die "--event-loops needs a value" ;;
        --event-loops=*) EVENT_LOOPS="${1#*=}"; shift ;;
        --quiet-wait) QUIET_WAIT="${2:-}"; shift 2 || die "--quiet-wait needs a value" ;;
        --quiet-wait=*) QUIET_WAIT="${1#*=}"; shift ;;
        --json) JSON_OUT="${2:-}"; shift 2 || die "--json needs a value" ;;
        --json=*) JSON_OUT="${1#*=}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
CPUS=$(nproc)
[ -n "$EVENT_LOOPS" ] || EVENT_LOOPS=$CPUS
for v in DURATION CONNECTIONS ROUNDS EVENT_LOOPS QUIET_WAIT; do
    is_uint "${!v}" || die "--$(echo "$v" | tr 'A-Z_' 'a-z-') must be a whole number (got '${!v}')"
done
[ "$DURATION" -ge 1 ] && [ "$CONNECTIONS" -ge 1 ] && [ "$ROUNDS" -ge 1 ] && [ "$EVENT_LOOPS" -ge 1 ] ||
    die "--duration, --connections, --rounds and --event-loops must be at least 1"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/common.sh"
PKG="$ROOT/bench/http-client"
CONF_TEMPLATE="$ROOT/bench/nginx-bench.conf"
[ -f "$CONF_TEMPLATE" ] || die "missing $CONF_TEMPLATE"
command -v swift >/dev/null || die "swift is not on PATH"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/stormdrill-http-bench.XXXXXX")
NGINX_PID=""
cleanup() {
    stop_pid "$NGINX_PID"
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------------------
# Tools: nginx is required; wrk (reference row) and GNU time (its CPU and RSS) are optional.


ensure_nginx
if ! command -v wrk >/dev/null; then
    echo "installing wrk (reference row)…"
    apt_install wrk || echo "note: wrk unavailable; the reference row is skipped" >&2
fi
HAVE_WRK=$(command -v wrk >/dev/null && echo 1 || echo "")
if [ -n "$HAVE_WRK" ] && [ ! -x /usr/bin/time ]; then
    apt_install time || echo "note: GNU time unavailable; wrk's peak RSS is not shown" >&2
fi

# ---------------------------------------------------------------------------------------------------------------
# Build the bench package in release (its own .build under bench/http-client).

build_release "$PKG" http-client-bench

# ---------------------------------------------------------------------------------------------------------------
# nginx: one worker, our config, temp dir prefix, free port.

. "$ROOT/bench/lib/nginx.sh"
start_nginx
URL="http://127.0.0.1:$PORT/"

nginx_worker() {
    local children
    children=$(cat "/proc/$NGINX_PID/task/$NGINX_PID/children" 2>/dev/null || ps -o pid= --ppid "$NGINX_PID" 2>/dev/null || true)
    echo "$children" | awk 'NF { print $1; exit }'
}
WORKER=$(nginx_worker)
[ -n "$WORKER" ] || die "nginx started without a worker process"
body=$(curl -s "$URL" 2>/dev/null || true)
[ -z "$body" ] || echo "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') on $URL (master $NGINX_PID, worker $WORKER): $body"

# ---------------------------------------------------------------------------------------------------------------
# CPU accounting from /proc: the whole machine (busy/idle jiffies) and the nginx worker.

CLK_TCK=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat; }
worker_ticks() { sed 's/^.*) //' "/proc/$WORKER/stat" | awk '{ print $12 + $13 }'; }
now_ns() { date +%s%N; }

# Waits (within the --quiet-wait budget) until the machine is nearly idle: other builds or benchmarks on the same
# two cores would make every figure meaningless. The "other CPU" column shows what remained.
QUIET_LEFT=$QUIET_WAIT
wait_quiet() {
    local b0 i0 b1 i1 busy
    while :; do
        read -r b0 i0 < <(machine_ticks)
        sleep 0.5
        read -r b1 i1 < <(machine_ticks)
        busy=$(awk -v b=$((b1 - b0)) -v i=$((i1 - i0)) -v n="$CPUS" 'BEGIN { t = b + i; printf "%.2f", (t > 0 ? n * b / t : 0) }')
        if awk -v x="$busy" 'BEGIN { exit !(x < 0.25) }'; then return 0; fi
        if [ "$QUIET_LEFT" -le 0 ]; then
            echo "  (machine busy: $busy cores in use by others before this run; measuring anyway)" >&2
            return 0
        fi
        [ "$QUIET_LEFT" -eq "$QUIET_WAIT" ] && echo "  waiting for other CPU load ($busy cores) to settle…" >&2
        sleep 1
        QUIET_LEFT=$((QUIET_LEFT - 2))
    done
}

RESULTS="$TMP/results.tsv"
NOISY=""
: >"$RESULTS"
FAILED=""

# run_one LABEL KIND LOOPS ROUND: one run; appends a row to $RESULTS and prints the raw JSON line.
run_one() {
    local label=$1 kind=$2 loops=$3 round=$4 line rc=0
    wait_quiet
    local mb0 mi0 mb1 mi1 w0 w1 t0 t1
    read -r mb0 mi0 < <(machine_ticks)
    w0=$(worker_ticks)
    t0=$(now_ns)
    if [ "$kind" = wrk ]; then
        local out reqs secs rps errs cpu rss
        if [ -x /usr/bin/time ]; then
            /usr/bin/time -f 'TIME %U %S %M' -o "$TMP/wrk.time" \
                wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$URL" >"$TMP/wrk.out" 2>&1 || rc=$?
            read -r _ u s rss <"$TMP/wrk.time"
        else
            local TIMEFORMAT='%U %S'
            { time wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$URL" >"$TMP/wrk.out" 2>&1 || rc=$?; } 2>"$TMP/wrk.time"
            read -r u s <"$TMP/wrk.time"
            rss=0
        fi
        out=$(cat "$TMP/wrk.out")
        reqs=$(echo "$out" | awk '/requests in/ { print $1; exit }')
        secs=$(echo "$out" | awk '/requests in/ { sub(/s,?$/, "", $4); print $4; exit }')
        rps=$(echo "$out" | awk '/^Requests\/sec:/ { print $2; exit }')
        errs=$(echo "$out" | awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }')
        if [ -z "$reqs" ] || [ -z "$rps" ]; then rc=1; reqs=0; rps=0; secs=$DURATION; fi
        cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
        line=$(awk -v r="$reqs" -v e="$errs" -v sec="$secs" -v rps="$rps" -v u="$u" -v s="$s" -v rss="$rss" \
            -v c="$CONNECTIONS" 'BEGIN {
                printf "{\"variant\":\"wrk\",\"event_loops\":1,\"connections\":%d,\"requests\":%d,\"errors\":%d,", c, r, e
                printf "\"seconds\":%.4f,\"requests_per_second\":%.1f,\"cpu_seconds\":%.4f,\"cpu_user_seconds\":%.4f,", sec, rps, u + s, u
                printf "\"cpu_system_seconds\":%.4f,\"cpu_us_per_request\":%.3f,\"peak_rss_bytes\":%d}", s, (r > 0 ? (u + s) * 1e6 / r : 0), rss * 1024
            }')
        [ "${errs:-0}" -eq 0 ] || rc=1
    else
        line=$("$BIN" --variant "$kind" --url "$URL" --connections "$CONNECTIONS" --duration "$DURATION" \
            --event-loops "$loops" 2>"$TMP/run.err") || rc=$?
    fi
    t1=$(now_ns)
    w1=$(worker_ticks)
    read -r mb1 mi1 < <(machine_ticks)
    if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
        FAILED=1
        echo "  round $round  $(printf '%-22s' "$label") FAILED (exit $rc) $line" >&2
        [ -s "$TMP/run.err" ] && head -n 5 "$TMP/run.err" >&2
        [ "$kind" = wrk ] && tail -n 5 "$TMP/wrk.out" >&2
        [ -n "$line" ] || return 0
    fi
    # label, rps, cpu_us, rss_bytes, errors, client_cores, nginx_cores, other_cores
    local row other
    row=$(echo "$line" | awk -v label="$label" -v wall=$((t1 - t0)) -v wt=$((w1 - w0)) -v mb=$((mb1 - mb0)) \
        -v mi=$((mi1 - mi0)) -v hz="$CLK_TCK" -v n="$CPUS" '
        function field(name,   m) {
            if (match($0, "\"" name "\":[-0-9.e+]+")) { m = substr($0, RSTART, RLENGTH); sub(/^[^:]*:/, "", m); return m + 0 }
            return 0
        }
        {
            secs = field("seconds"); w = wall / 1e9
            client = secs > 0 ? field("cpu_seconds") / secs : 0
            nginx = w > 0 ? wt / hz / w : 0
            machine = (mb + mi) > 0 ? n * mb / (mb + mi) : 0
            other = machine - nginx - client; if (other < 0) other = 0
            printf "%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%.2f\n", label, field("requests_per_second"), field("cpu_us_per_request"),
                field("peak_rss_bytes"), field("errors"), client, nginx, other
        }')
    other=$(echo "$row" | cut -f8)
    echo "$row" | awk -F'\t' -v r="$round" '{ printf "  round %s  %-22s %8.0f req/s %6.1f us/req  client %.2f cores  nginx %3.0f%%  other %.2f cores\n", r, $1, $2, $3, $6, 100 * $7, $8 }'
    if awk -v x="$other" 'BEGIN { exit !(x > 0.25) }' && [ "$RETRIES_LEFT" -gt 0 ] && [ "$rc" -eq 0 ]; then
        RETRIES_LEFT=$((RETRIES_LEFT - 1))
        NOISY=1
        echo "           discarded: something else used $other cores during the run; running it again" >&2
        return 0
    fi
    [ -z "$JSON_OUT" ] || echo "$line" >>"$JSON_OUT"
    echo "$row" >>"$RESULTS"
}

# ---------------------------------------------------------------------------------------------------------------
# The runs: every variant once per round, the order rotated each round.

LABELS=()
KINDS=()
LOOPS=()
add_variant() { LABELS+=("$1"); KINDS+=("$2"); LOOPS+=("$3"); }
[ -z "$HAVE_WRK" ] || add_variant "wrk -t1 (reference)" wrk 1
add_variant "ahc, $EVENT_LOOPS loops" ahc "$EVENT_LOOPS"
add_variant "nio, $EVENT_LOOPS loops" nio "$EVENT_LOOPS"
add_variant "stormdrill, $EVENT_LOOPS loops" stormdrill "$EVENT_LOOPS"
if [ "$EVENT_LOOPS" -ne 1 ]; then
    add_variant "nio, 1 loop" nio 1
    add_variant "stormdrill, 1 loop" stormdrill 1
fi
COUNT=${#LABELS[@]}
# Runs disturbed by other load (see wait_quiet) are repeated, at most one round's worth in total.
RETRIES_LEFT=$COUNT
echo "running $COUNT variants x $ROUNDS rounds, $CONNECTIONS connections, ${DURATION} s each (closed loop, keep-alive)"
# Warm-up (not recorded): page cache, nginx's first connections, the CPU's clocks.
"$BIN" --variant nio --url "$URL" --connections "$CONNECTIONS" --duration 1 --event-loops 1 >/dev/null 2>&1 || true

for round in $(seq "$ROUNDS"); do
    for k in $(seq 0 $((COUNT - 1))); do
        i=$(((k + round - 1) % COUNT))
        NOISY=1
        while [ "$NOISY" = 1 ]; do
            NOISY=""
            run_one "${LABELS[$i]}" "${KINDS[$i]}" "${LOOPS[$i]}" "$round"
        done
    done
done

# ---------------------------------------------------------------------------------------------------------------
# The table: means over rounds (min-max of req/s in brackets), ratios to AsyncHTTPClient.

echo
echo "HTTP client stacks, $(date -u '+%Y-%m-%d %H:%M UTC'): $CPUS CPUs ($(uname -r)), $(swift --version 2>/dev/null | head -n 1 | sed 's/ (swift-.*//')," \
    "nginx 1 worker on 127.0.0.1, $CONNECTIONS connections, ${DURATION} s x $ROUNDS rounds, closed loop"
echo
ORDER=$(printf '%s\n' "${LABELS[@]}")
awk -F'\t' -v order="$ORDER" -v loops="$EVENT_LOOPS" '
    {
        l = $1; n[l]++; rps[l] += $2; cpu[l] += $3; err[l] += $5; cl[l] += $6; ng[l] += $7; ot[l] += $8
        if (!(l in lo) || $2 < lo[l]) lo[l] = $2
        if (!(l in hi) || $2 > hi[l]) hi[l] = $2
        if ($4 > rss[l]) rss[l] = $4
    }
    END {
        base = "ahc, " loops " loops"
        brps = n[base] ? rps[base] / n[base] : 0; bcpu = n[base] ? cpu[base] / n[base] : 0
        print "| variant | req/s (min-max) | CPU us/req | peak RSS MB | client CPU | nginx CPU | other CPU | req/s vs AHC | CPU/req vs AHC | errors |"
        print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        k = split(order, labels, "\n")
        for (i = 1; i <= k; i++) {
            l = labels[i]; if (!n[l]) continue
            r = rps[l] / n[l]; c = cpu[l] / n[l]
            printf "| %s | %.0f (%.0f-%.0f) | %.1f | %s | %.2f cores | %.0f%% | %.2f cores | %s | %s | %d |\n", l, r, lo[l], hi[l], c,
                (rss[l] > 0 ? sprintf("%.1f", rss[l] / 1048576) : "-"), cl[l] / n[l], 100 * ng[l] / n[l], ot[l] / n[l],
                (brps > 0 ? sprintf("%.2fx", r / brps) : "-"), (bcpu > 0 ? sprintf("%.2fx", c / bcpu) : "-"), err[l]
        }
    }' "$RESULTS"
echo
echo "client CPU = client process CPU / wall time; nginx CPU = its one worker (100% = one core saturated);"
echo "other CPU = rest of the machine's busy time during the run (anything else running; should be ~0)."

if [ -n "$FAILED" ]; then
    echo "http-client.sh: at least one variant failed (see above)" >&2
    exit 1
fi
