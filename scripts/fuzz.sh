#!/usr/bin/env bash
# Coverage-guided fuzzing of StormDrill's parsers with libFuzzer (swiftc -sanitize=fuzzer).
#
#   scripts/fuzz.sh [--time SECONDS] [--no-dict] [TARGET...]
#
# Targets (all four when none are named):
#   plan           the plan decoder (PlanDecoder.decode on any bytes)
#   http-response  the load engine's HTTP/1.1 response parser, whole and in pieces (also with AddressSanitizer)
#   toxiproxy-api  the Toxiproxy-compatible control API's router and registry, a request sequence per input
#   campus-order   the campus platform's POST /orders decoding, validation and order JSON round trip
#
# Each target is built when its sources changed (plan, http-response and campus-order with swiftc into
# Fuzz/.build/swiftc, toxiproxy-api with SwiftPM in Fuzz/), then run for SECONDS (default 60) under nice -n 19 on a
# temporary copy of its seed corpus (Fuzz/corpus/TARGET) with its dictionary (Fuzz/dict/TARGET.dict). toxiproxy-api
# runs in a network namespace of its own when `unshare -rn` works, so the proxies it creates listen nowhere else.
# Crashes go to Fuzz/crashes/TARGET/ (not committed); the final statistics and coverage are printed per target.
# Exits 1 if any target crashed (or failed to build).
#
# Set FUZZ_KEEP_CORPUS=DIR to keep the grown corpora in DIR/TARGET; FUZZ_ARGS adds libFuzzer options.
set -eu

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
root=$(CDPATH= cd -- "$script_dir/.." && pwd -P)
fuzz="$root/Fuzz"
# Swift's own crash backtracer would take the trap before libFuzzer, which then writes no crash input.
export SWIFT_BACKTRACE=enable=no
build="$fuzz/.build/swiftc"

say() { printf 'fuzz: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; }

time=60
dict=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) [ $# -ge 2 ] || die "--time needs SECONDS"; time=$2; shift 2 ;;
        --time=*) time=${1#--time=}; shift ;;
        --no-dict) dict=0; shift ;;
        -h | --help) usage; exit 0 ;;
        plan | http-response | toxiproxy-api | campus-order) targets+=("$1"); shift ;;
        *) usage; die "unknown argument: $1" ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(plan http-response toxiproxy-api campus-order)
case "$time" in '' | *[!0-9]*) die "--time must be a number of seconds" ;; esac

swift_flags=(-O -g -parse-as-library -swift-version 6
    -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility)

# True when $1 is missing or older than any of the other files.
stale() {
    local out=$1; shift
    [ -e "$out" ] || return 0
    local f
    for f in "$@"; do [ "$f" -nt "$out" ] && return 0; done
    return 1
}

# StormDrillPlan as a static library, instrumented for coverage (plan and campus-order link it).
build_plan_library() {
    local sources=("$root"/Sources/StormDrillPlan/*.swift)
    stale "$build/lib/libStormDrillPlan.a" "${sources[@]}" || return 0
    say "building StormDrillPlan (-sanitize=fuzzer)"
    mkdir -p "$build/lib"
    nice -n 10 swiftc "${swift_flags[@]}" -sanitize=fuzzer -module-name StormDrillPlan -emit-module \
        -emit-module-path "$build/lib/StormDrillPlan.swiftmodule" -emit-library -static \
        -o "$build/lib/libStormDrillPlan.a" "${sources[@]}" 2>&1 | grep -v 'Cannot export local symbol' >&2 || true
    [ -e "$build/lib/libStormDrillPlan.a" ]
}

# Prints the path of the target's binary, building it first if needed.
build_target() {
    local target=$1 bin="$build/$1"
    case "$target" in
        plan)
            build_plan_library
            local sources=("$fuzz/Targets/plan/PlanFuzz.swift")
            if stale "$bin" "${sources[@]}" "$build/lib/libStormDrillPlan.a"; then
                say "building plan"
                nice -n 10 swiftc "${swift_flags[@]}" -sanitize=fuzzer -I "$build/lib" -module-name PlanFuzz \
                    "${sources[@]}" "$build/lib/libStormDrillPlan.a" -o "$bin" 2>&1 | grep -v 'Cannot export' >&2 || true
            fi
            ;;
        campus-order)
            build_plan_library
            local sources=("$root/Sources/CampusPlatform/CampusOrder.swift"
                "$root/Sources/CampusPlatform/CampusOrderJSON.swift" "$fuzz/Targets/campus-order/CampusOrderFuzz.swift")
            if stale "$bin" "${sources[@]}" "$build/lib/libStormDrillPlan.a"; then
                say "building campus-order"
                nice -n 10 swiftc "${swift_flags[@]}" -sanitize=fuzzer -I "$build/lib" -module-name CampusOrderFuzz \
                    "${sources[@]}" "$build/lib/libStormDrillPlan.a" -o "$bin" 2>&1 | grep -v 'Cannot export' >&2 || true
            fi
            ;;
        http-response)
            # The parser works on unsafe raw buffers (unchecked in -O), so AddressSanitizer too.
            local sources=("$root/Sources/StormDrillEngine/HTTPResponseParser.swift"
                "$fuzz/Targets/http-response/HTTPResponseFuzz.swift")
            if stale "$bin" "${sources[@]}"; then
                say "building http-response (-sanitize=fuzzer,address)"
                mkdir -p "$build"
                nice -n 10 swiftc "${swift_flags[@]}" -sanitize=fuzzer,address -module-name HTTPResponseFuzz \
                    "${sources[@]}" -o "$bin" 2>&1 | grep -v 'Cannot export' >&2 || true
            fi
            ;;
        toxiproxy-api)
            say "building toxiproxy-api (SwiftPM, -sanitize=fuzzer, release)"
            (cd "$fuzz" && nice -n 10 swift build -c release -Xswiftc -sanitize=fuzzer --product ToxiproxyAPIFuzz \
                2>&1 | grep -v 'Cannot export' >&2) || true
            bin="$fuzz/.build/release/ToxiproxyAPIFuzz"
            ;;
    esac
    [ -x "$bin" ] || return 1
    printf '%s\n' "$bin"
}

# Runs the command in a private network namespace with loopback up, when possible.
isolated() {
    if unshare -rn true 2>/dev/null; then
        unshare -rn sh -c 'ip link set lo up 2>/dev/null || true; exec "$@"' isolated "$@"
    else
        say "unshare -rn is not available: toxiproxy-api proxies listen on this host's loopback"
        "$@"
    fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/stormdrill-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
summary=()
for target in "${targets[@]}"; do
    if ! bin=$(build_target "$target"); then
        say "$target: build failed"
        failed=1
        summary+=("$target: BUILD FAILED")
        continue
    fi
    corpus="$work/corpus/$target"
    mkdir -p "$corpus" "$fuzz/crashes/$target"
    cp "$fuzz/corpus/$target"/* "$corpus/"
    opts=(-max_total_time="$time" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048
        -artifact_prefix="$fuzz/crashes/$target/")
    if [ "$dict" = 1 ] && [ -e "$fuzz/dict/$target.dict" ]; then opts+=(-dict="$fuzz/dict/$target.dict"); fi
    # shellcheck disable=SC2206
    opts+=(${FUZZ_ARGS:-})
    log="$work/$target.log"
    say "$target: fuzzing for ${time}s ($bin)"
    status=0
    if [ "$target" = toxiproxy-api ]; then
        isolated nice -n 19 "$bin" "${opts[@]}" "$corpus" >"$log" 2>&1 || status=$?
    else
        ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=5:detect_leaks=0} \
            nice -n 19 "$bin" "${opts[@]}" "$corpus" >"$log" 2>&1 || status=$?
    fi
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(printf '%s\n' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s\n' "$last" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
    if [ "$status" -ne 0 ]; then
        failed=1
        grep -E 'Fatal error|ERROR: (libFuzzer|AddressSanitizer)|SUMMARY|Test unit written' "$log" >&2 || tail -n 30 "$log" >&2
        summary+=("$target: CRASH (exit $status) after ${execs:-?} executions; see $fuzz/crashes/$target/")
    else
        summary+=("$target: ok, ${execs:-?} executions (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}")
    fi
    if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
        mkdir -p "$FUZZ_KEEP_CORPUS/$target" && cp "$corpus"/* "$FUZZ_KEEP_CORPUS/$target/" && cp "$log" "$FUZZ_KEEP_CORPUS/$target.log"
    fi
done
for line in "${summary[@]}"; do printf 'fuzz: %s\n' "$line"; done
exit "$failed"
