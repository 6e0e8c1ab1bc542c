#!/usr/bin/env bash
# Python tools for StormDrill: checking plans against plans/schema.json, and the real Toxiproxy clients
# (toxiproxy-python, Chaos Toolkit with chaostoolkit-toxiproxy) that the tests drive `stormdrill proxy` with.
#
# Keeps a private virtual environment in .build/python-tools under the repository root with pinned packages, and
# runs Python in it. Setting up happens once; later calls only compare a stamp file and start Python at once.
#
#   scripts/python-tools.sh run SCRIPT [ARG...]   run SCRIPT (or any python arguments) with the tools' Python
#   scripts/python-tools.sh setup                 only create or update the environment
#
# Example:
#   scripts/python-tools.sh run Tests/schema/validate_plans.py plans/schema.json plans/smoke.json
#
# pip is used as configured on the machine (PIP_INDEX_URL, PIP_FIND_LINKS, ... are honoured). Set PYTHON to choose
# the interpreter the environment is made from (default: python3). Messages go to stderr; stdout belongs to the
# script that is run.
set -eu

# Pinned requirements, one per line. Changing them makes the next call update the environment.
REQUIREMENTS='jsonschema==4.26.0
toxiproxy-python==0.1.1
chaostoolkit==1.19.0
chaostoolkit-lib==1.44.0
chaostoolkit-toxiproxy==0.3.1'
# Oldest Python the pinned packages support.
MIN_PYTHON='3.10'

script_dir=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
root=$(CDPATH= cd -- "$script_dir/.." && pwd -P)
venv="$root/.build/python-tools"
stamp="$venv/stormdrill-requirements.txt"
venv_python="$venv/bin/python"

say() { printf 'python-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

usage() {
    # The comment block at the top of this file.
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
}

is_ready() {
    [ -x "$venv_python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$REQUIREMENTS" ]
}

setup() {
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

# Serialises set-up between concurrent callers where flock(1) exists; elsewhere set-up simply runs.
setup_locked() {
    if command -v flock >/dev/null 2>&1; then
        mkdir -p "$root/.build"
        (
            flock 9
            is_ready || setup
        ) 9>"$root/.build/python-tools.lock"
    else
        setup
    fi
}

command=${1:-}
case "$command" in
run)
    shift
    [ "$#" -gt 0 ] || { usage; die "'run' needs a script or python arguments"; }
    is_ready || setup_locked
    exec "$venv_python" "$@"
    ;;
setup)
    is_ready || setup_locked
    ;;
-h | --help | help)
    usage
    ;;
*)
    usage
    die "unknown command '${command}'; use 'run' or 'setup'"
    ;;
esac
