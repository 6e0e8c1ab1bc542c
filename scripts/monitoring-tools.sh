#!/usr/bin/env bash
# Monitoring tools for StormDrill: Debian's prometheus (the server and promtool) and prometheus-alertmanager, which
# the monitoring tests start on free loopback ports (Tests/StormDrillTests/Monitoring*) and which check the shipped
# rules (monitoring/campus-rules.yml) with `promtool check rules`.
#
# Installs the Debian packages with apt-get when a tool is missing (as root, or through password-less sudo when not
# root). Debian's packages also enable a system service that listens on every interface; the script stops and
# disables those services at once (the tests start their own processes, on loopback). Later calls only find the tools.
#
#   scripts/monitoring-tools.sh path TOOL     print the path of prometheus, promtool or alertmanager, installing
#   scripts/monitoring-tools.sh run TOOL ARG  run the tool with ARGs
#   scripts/monitoring-tools.sh setup         only install what is missing
#
# Set PROMETHEUS, PROMTOOL or ALERTMANAGER to use other binaries. Messages go to stderr.
set -eu

# Debian packages, and the services they enable that must not run.
APT_PACKAGES='prometheus prometheus-alertmanager'
SERVICES='prometheus prometheus-alertmanager prometheus-node-exporter'

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
root=$(CDPATH= cd -- "$script_dir/.." && pwd -P)

say() { printf 'monitoring-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    # The comment block at the top of this file.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
}

# find_one VAR NAME...: sets VAR to the first NAME on PATH (or in /usr/bin) unless VAR is already set.
find_one() {
    var=$1
    shift
    eval "current=\${$var:-}"
    if [ -z "$current" ]; then
        for n in "$@"; do
            if command -v "$n" >/dev/null 2>&1; then current=$(command -v "$n"); break; fi
            if [ -x "/usr/bin/$n" ]; then current="/usr/bin/$n"; break; fi
        done
    fi
    eval "$var=\$current"
    [ -n "$current" ] && [ -x "$current" ]
}

find_tools() {
    find_one PROMETHEUS prometheus && find_one PROMTOOL promtool \
        && find_one ALERTMANAGER prometheus-alertmanager alertmanager
}

# apt_install and with_lock.
. "$script_dir/lib/apt.sh"

quiet_services() {
    # Package scripts start the services; the tests want nothing listening that they did not start.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        for s in $SERVICES; do systemctl disable --now "$s" >/dev/null 2>&1 || true; done
    fi
    for s in $SERVICES; do
        if [ -x "/etc/init.d/$s" ]; then "/etc/init.d/$s" stop >/dev/null 2>&1 || true; fi
    done
    # Without an init system the package cannot start them; with one they are stopped above.
}

install_tools() {
    apt_install "prometheus and alertmanager" $APT_PACKAGES
    quiet_services
    find_tools || die "apt-get installed $APT_PACKAGES but prometheus, promtool or alertmanager is not on PATH"
}

setup_locked() {
    if find_tools; then return 0; fi
    for v in PROMETHEUS PROMTOOL ALERTMANAGER; do
        eval "given=\${$v:-}"
        if [ -n "$given" ] && [ ! -x "$given" ]; then die "$v is set to '$given', which is not an executable file"; fi
    done
    # Another caller may have installed them while this one waited for the lock.
    with_lock monitoring-tools find_or_install
    find_tools || die "prometheus, promtool or alertmanager is not available after set-up"
}

find_or_install() { find_tools || install_tools; }

tool_path() {
    case "$1" in
    prometheus) printf '%s\n' "$PROMETHEUS" ;;
    promtool) printf '%s\n' "$PROMTOOL" ;;
    alertmanager) printf '%s\n' "$ALERTMANAGER" ;;
    *) die "unknown tool '$1'; use prometheus, promtool or alertmanager" ;;
    esac
}

command=${1:-}
case "$command" in
path)
    [ "$#" -eq 2 ] || { usage; die "'path' needs one tool name"; }
    setup_locked
    tool_path "$2"
    ;;
run)
    [ "$#" -ge 2 ] || { usage; die "'run' needs a tool name"; }
    setup_locked
    tool=$(tool_path "$2")
    shift 2
    exec "$tool" "$@"
    ;;
setup)
    setup_locked
    say "prometheus: $PROMETHEUS; promtool: $PROMTOOL; alertmanager: $ALERTMANAGER"
    ;;
-h | --help | help)
    usage
    ;;
*)
    usage
    die "unknown command '${command}'; use 'path', 'run' or 'setup'"
    ;;
esac
