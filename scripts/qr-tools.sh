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

# apt_install and with_lock.
. "$script_dir/lib/apt.sh"

install_tool() {
    apt_install zbarimg $APT_PACKAGES
    find_tool || die "apt-get installed $APT_PACKAGES but zbarimg is still not on PATH"
}

setup_locked() {
    if find_tool; then return 0; fi
    # A zbarimg chosen by hand that is not there is a mistake to report, not a reason to install another one.
    [ -z "$ZBARIMG" ] || die "ZBARIMG is set to '$ZBARIMG', which is not an executable file"
    # Another caller may have installed it while this one waited for the lock.
    with_lock qr-tools find_or_install
    find_tool || die "zbarimg is not available after set-up"
}

find_or_install() { find_tool || install_tool; }

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
