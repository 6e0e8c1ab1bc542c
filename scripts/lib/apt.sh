# Shared by scripts/browser-tools.sh and scripts/qr-tools.sh: installing Debian packages a test needs, and
# serialising set-up between concurrent callers. The sourcing script sets root and defines say and die.

# apt_install WHAT PACKAGE...: installs PACKAGEs with apt-get (as root, or through password-less sudo when not root),
# updating the package lists once if the first try fails (an old or empty list may not know them). WHAT names what
# is missing, for the messages.
apt_install() {
    what=$1
    shift
    command -v apt-get >/dev/null 2>&1 \
        || die "$what is missing and there is no apt-get here; install $* by other means"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=''
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        sudo='sudo -n'
    else
        die "$what is missing and installing it needs root (no password-less sudo); run: sudo apt-get install $*"
    fi
    say "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -q --no-install-recommends "$@" >&2; then
        $sudo apt-get update -q >&2 || die "apt-get update failed (see above)"
        $sudo apt-get install -y -q --no-install-recommends "$@" >&2 || die "apt-get could not install $* (see above)"
    fi
}

# with_lock NAME COMMAND...: runs COMMAND holding .build/NAME.lock where flock(1) exists (apt-get and pip must not
# run twice at once), plainly elsewhere.
with_lock() {
    name=$1
    shift
    if command -v flock >/dev/null 2>&1; then
        mkdir -p "$root/.build"
        (
            flock 9
            "$@"
        ) 9>"$root/.build/$name.lock"
    else
        "$@"
    fi
}
