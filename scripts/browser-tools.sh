#!/usr/bin/env bash
# Browser tools for StormDrill: headless Chromium and Selenium, for the test that drives the student web page of the
# embedded campus platform (Tests/browser/student_page_test.py).
#
# Installs Debian's chromium and chromium-driver with apt-get when they are missing (as root, or through sudo when not
# root), and keeps a private virtual environment in .build/browser-tools under the repository root with a pinned
# selenium. Later calls only check that the browser is there, compare a stamp file and start Python at once.
#
#   scripts/browser-tools.sh run SCRIPT [ARG...]   run SCRIPT (or any python arguments) with the tools' Python
#   scripts/browser-tools.sh setup                 only install what is missing
#
# Example:
#   scripts/browser-tools.sh run Tests/browser/student_page_test.py http://127.0.0.1:8080
#
# The script run gets CHROMIUM and CHROMEDRIVER in its environment (the paths found). Set PYTHON to choose the
# interpreter the environment is made from (default: python3). pip is used as configured on the machine. Messages go
# to stderr; stdout belongs to the script that is run.
set -eu

# Pinned requirements, one per line. Changing them makes the next call update the environment.
# 4.52.0 needs a certifi newer than the package index here has.
REQUIREMENTS='selenium==4.51.0'
# Oldest Python the pinned packages support.
MIN_PYTHON='3.10'
# Debian packages the browser test needs.
APT_PACKAGES='chromium chromium-driver'

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
root=$(CDPATH= cd -- "$script_dir/.." && pwd -P)
venv="$root/.build/browser-tools"
stamp="$venv/stormdrill-requirements.txt"
venv_python="$venv/bin/python"

say() { printf 'browser-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    # The comment block at the top of this file.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
}

find_browser() {
    CHROMIUM=${CHROMIUM:-}
    CHROMEDRIVER=${CHROMEDRIVER:-}
    if [ -z "$CHROMIUM" ]; then
        for c in chromium chromium-browser; do
            if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$(command -v "$c"); break; fi
        done
    fi
    if [ -z "$CHROMEDRIVER" ] && command -v chromedriver >/dev/null 2>&1; then
        CHROMEDRIVER=$(command -v chromedriver)
    fi
    [ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] && [ -n "$CHROMEDRIVER" ] && [ -x "$CHROMEDRIVER" ]
}

# apt_install and with_lock.
. "$script_dir/lib/apt.sh"

install_browser() {
    apt_install "chromium or chromedriver" $APT_PACKAGES
    find_browser || die "apt-get installed $APT_PACKAGES but chromium or chromedriver is still not on PATH"
}

# venv_ready and venv_setup.
. "$script_dir/lib/venv.sh"

setup() {
    find_browser || install_browser
    venv_ready || venv_setup
}

setup_locked() {
    if find_browser && venv_ready; then return 0; fi
    with_lock browser-tools setup
    find_browser
}

command=${1:-}
case "$command" in
run)
    shift
    [ "$#" -gt 0 ] || { usage; die "'run' needs a script or python arguments"; }
    setup_locked
    export CHROMIUM CHROMEDRIVER
    # Selenium must use the driver given to it, never download one.
    export SE_OFFLINE=true
    exec "$venv_python" "$@"
    ;;
setup)
    setup_locked
    say "chromium: $CHROMIUM; chromedriver: $CHROMEDRIVER; python: $venv_python"
    ;;
-h | --help | help)
    usage
    ;;
*)
    usage
    die "unknown command '${command}'; use 'run' or 'setup'"
    ;;
esac
