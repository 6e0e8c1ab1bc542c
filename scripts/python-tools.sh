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

# venv_ready and venv_setup.
. "$script_dir/lib/venv.sh"

# Serialises set-up between concurrent callers where flock(1) exists; elsewhere set-up simply runs.
setup_locked() {
    if command -v flock >/dev/null 2>&1; then
        mkdir -p "$root/.build"
        (
            flock 9
            venv_ready || venv_setup
        ) 9>"$root/.build/python-tools.lock"
    else
        venv_setup
    fi
}

command=${1:-}
case "$command" in
run)
    shift
    [ "$#" -gt 0 ] || { usage; die "'run' needs a script or python arguments"; }
    venv_ready || setup_locked
    exec "$venv_python" "$@"
    ;;
setup)
    venv_ready || setup_locked
    ;;
-h | --help | help)
    usage
    ;;
*)
    usage
    die "unknown command '${command}'; use 'run' or 'setup'"
    ;;
esac
