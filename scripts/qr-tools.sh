#!/usr/bin/env bash
# QR tools for StormDrill: zbarimg from Debian's zbar-tools, the real decoder that the QR code tests
# (Tests/StormDrillTests/QRCodeTests.swift) read the encoder's output back with.
#
# Installs zbar-tools with apt-get when zbarimg is missing (as root, or through password-less sudo when not root).
# Later calls only find the tool and start it at once.
#
#   scripts/qr-tools.sh run ARG...   run zbarimg with ARGs
#   scripts/qr-tools.sh setup        only install what is missing
#
# Example:
#   scripts/qr-tools.sh run --raw -q code.pgm
#
# Set ZBARIMG to use a zbarimg other than the one on PATH. Messages go to stderr; stdout belongs to zbarimg, and the
# exit status of `run` is zbarimg's (4 means it found no symbol).
set -eu

# Debian packages the QR code tests need.
APT_PACKAGES='zbar-tools'

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
root=$(CDPATH= cd -- "$script_dir/.." && pwd -P)

say() { printf 'qr-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    # The comment block at the top of this file.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
}

find_tool() {
    ZBARIMG=${ZBARIMG:-}
    if [ -z "$ZBARIMG" ] && command -v zbarimg >/dev/null 2>&1; then
        ZBARIMG=$(command -v zbarimg)
    fi
    [ -n "$ZBARIMG" ] && [ -x "$ZBARIMG" ]
}

install_tool() {
    command -v apt-get >/dev/null 2>&1 \
        || die "zbarimg is missing and there is no apt-get here; install zbar (zbarimg), or set ZBARIMG"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=''
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        sudo='sudo -n'
    else
        die "zbarimg is missing and installing it needs root (no password-less sudo);" \
            "run: sudo apt-get install $APT_PACKAGES"
    fi
    say "installing $APT_PACKAGES with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    # An old or empty package list may not know the package: update it once if the first try fails.
    if ! $sudo apt-get install -y -q --no-install-recommends $APT_PACKAGES >&2; then
        $sudo apt-get update -q >&2 || die "apt-get update failed (see above)"
        $sudo apt-get install -y -q --no-install-recommends $APT_PACKAGES >&2 \
            || die "apt-get could not install $APT_PACKAGES (see above)"
    fi
    find_tool || die "apt-get installed $APT_PACKAGES but zbarimg is still not on PATH"
}

# Serialises set-up between concurrent callers where flock(1) exists (apt-get must not run twice at once).
setup_locked() {
    if find_tool; then return 0; fi
    # A zbarimg chosen by hand that is not there is a mistake to report, not a reason to install another one.
    [ -z "$ZBARIMG" ] || die "ZBARIMG is set to '$ZBARIMG', which is not an executable file"
    if command -v flock >/dev/null 2>&1; then
        mkdir -p "$root/.build"
        (
            flock 9
            # Another caller may have installed it while this one waited for the lock.
            find_tool || install_tool
        ) 9>"$root/.build/qr-tools.lock"
    else
        install_tool
    fi
    find_tool || die "zbarimg is not available after set-up"
}

command=${1:-}
case "$command" in
run)
    shift
    [ "$#" -gt 0 ] || { usage; die "'run' needs zbarimg arguments"; }
    setup_locked
    exec "$ZBARIMG" "$@"
    ;;
setup)
    setup_locked
    say "zbarimg: $ZBARIMG"
    ;;
-h | --help | help)
    usage
    ;;
*)
    usage
    die "unknown command '${command}'; use 'run' or 'setup'"
    ;;
esac
