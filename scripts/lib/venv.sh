# Shared by scripts/python-tools.sh and scripts/browser-tools.sh: a private Python virtual environment with pinned
# requirements. The sourcing script sets venv, stamp, venv_python, REQUIREMENTS and MIN_PYTHON and defines say and
# die; venv_ready tells whether the environment matches the requirements, venv_setup creates or updates it.

venv_ready() {
    [ -x "$venv_python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$REQUIREMENTS" ]
}

venv_setup() {
    python=${PYTHON:-python3}
    command -v "$python" >/dev/null 2>&1 \
        || die "$python not found; install Python $MIN_PYTHON or newer (Debian/Ubuntu: apt-get install python3 python3-venv)"
    "$python" -c "import sys; sys.exit(0 if sys.version_info >= tuple(map(int, '$MIN_PYTHON'.split('.'))) else 1)" \
        || die "$("$python" --version 2>&1) is too old; the pinned packages need Python $MIN_PYTHON or newer"
    "$python" -c 'import venv, ensurepip' >/dev/null 2>&1 \
        || die "$python cannot create virtual environments (the venv/ensurepip modules are missing); on Debian/Ubuntu: apt-get install python3-venv"

    # A half-made or foreign environment is rebuilt from scratch.
    if [ -e "$venv" ] && ! "$venv_python" -c 'import sys; sys.exit(0 if sys.prefix != sys.base_prefix else 1)' >/dev/null 2>&1; then
        say "removing the unusable environment in $venv"
        rm -rf "$venv"
    fi
    if [ ! -e "$venv" ]; then
        say "creating a virtual environment in $venv"
        mkdir -p "$(dirname "$venv")"
        "$python" -m venv "$venv" \
            || { rm -rf "$venv"; die "'$python -m venv' failed; on Debian/Ubuntu: apt-get install python3-venv"; }
    fi

    say "installing $(printf '%s' "$REQUIREMENTS" | tr '\n' ' ')"
    rm -f "$stamp"
    requirements_file="$venv/requirements.in"
    printf '%s\n' "$REQUIREMENTS" >"$requirements_file"
    # PIP_USER=0: a --user install (from a user's pip.conf) is impossible inside a virtual environment.
    PIP_USER=0 PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv_python" -m pip install --quiet -r "$requirements_file" >&2 \
        || die "pip could not install $(printf '%s' "$REQUIREMENTS" | tr '\n' ' ')(see the pip output above)"
    printf '%s' "$REQUIREMENTS" >"$stamp"
    say "ready: $venv"
}

