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

install_browser() {
    command -v apt-get >/dev/null 2>&1 \
        || die "chromium and chromedriver are missing and there is no apt-get here; install Chromium and a matching ChromeDriver, or set CHROMIUM and CHROMEDRIVER"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=''
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        sudo='sudo -n'
    else
        die "chromium and chromedriver are missing and installing them needs root (no password-less sudo); run: sudo apt-get install $APT_PACKAGES"
    fi
    say "installing $APT_PACKAGES with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # An old or empty package list may not know the packages: update it once if the first try fails.
    if ! $sudo apt-get install -y -q --no-install-recommends $APT_PACKAGES >&2; then
        $sudo apt-get update -q >&2 || die "apt-get update failed (see above)"
        $sudo apt-get install -y -q --no-install-recommends $APT_PACKAGES >&2 \
            || die "apt-get could not install $APT_PACKAGES (see above)"
    fi
    find_browser || die "apt-get installed $APT_PACKAGES but chromium or chromedriver is still not on PATH"
}

# venv_ready and venv_setup.
. "$script_dir/lib/venv.sh"

setup() {
    find_browser || install_browser
    venv_ready || venv_setup
}

# Serialises set-up between concurrent callers where flock(1) exists (apt-get and pip must not run twice at once).
setup_locked() {
    if find_browser && venv_ready; then return 0; fi
    if command -v flock >/dev/null 2>&1; then
        mkdir -p "$root/.build"
        (
            flock 9
            setup
        ) 9>"$root/.build/browser-tools.lock"
    else
        setup
    fi
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
