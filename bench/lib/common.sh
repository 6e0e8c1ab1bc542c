# Shared by the bench scripts, which source it right after setting ROOT and set TMP (a temp dir) and define die
# before calling its functions: stopping a child process, installing Debian packages, finding nginx (installing it if
# missing) and building a product in release.

# stop_pid PID: SIGTERM, up to 10 s to exit, then SIGKILL; nothing if PID is empty or already gone.
stop_pid() {
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo -n"; fi
APT_UPDATED=""

# apt_install PACKAGE...: installs with apt-get (sudo -n when not root), updating the package lists once if the
# first attempt fails. Output goes to $TMP/apt.log.
apt_install() {
    command -v apt-get >/dev/null || return 1
    if DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$@" >>"$TMP/apt.log" 2>&1; then return 0; fi
    if [ -z "$APT_UPDATED" ]; then
        APT_UPDATED=1
        $SUDO apt-get update -q >>"$TMP/apt.log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$@" >>"$TMP/apt.log" 2>&1 && return 0
    fi
    return 1
}

find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

# ensure_nginx: sets NGINX to the nginx binary, installing nginx-light (or nginx) if there is none.
ensure_nginx() {
    NGINX=$(find_nginx)
    if [ -z "$NGINX" ]; then
        echo "installing nginx…"
        apt_install nginx-light || apt_install nginx ||
            { tail -n 20 "$TMP/apt.log" >&2; die "could not install nginx"; }
        NGINX=$(find_nginx)
        [ -n "$NGINX" ] || die "nginx installed but not found"
    fi
}

# build_release PACKAGE_DIR PRODUCT [SCRATCH_PATH]: builds PRODUCT in release and sets BIN to the binary.
build_release() {
    local package=$1 product=$2 scratch=${3:-}
    local args=(-c release --package-path "$package")
    [ -z "$scratch" ] || args+=(--scratch-path "$scratch")
    echo "building $product (release${scratch:+, in $scratch}; a first build takes several minutes)…"
    if ! swift build "${args[@]}" --product "$product" >"$TMP/build.log" 2>&1; then
        grep -E "error:" "$TMP/build.log" | head -n 20 >&2 || tail -n 30 "$TMP/build.log" >&2
        die "build failed"
    fi
    BIN="$(swift build "${args[@]}" --show-bin-path)/$product"
    [ -x "$BIN" ] || die "built binary not found at $BIN"
}
