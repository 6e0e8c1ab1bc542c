#!/usr/bin/env python3
"""Checks StormDrill plan files against the plan JSON Schema (plans/schema.json).

Usage:
    scripts/python-tools.sh run Tests/schema/validate_plans.py SCHEMA PLAN [PLAN...]

Prints one JSON object per plan file, on its own line:

    {"file": "plans/smoke.json", "valid": true, "errors": []}
    {"file": "bad.json", "valid": false, "errors": ["load.stages[0].rate: 0 is less than or equal to ..."]}

Errors are the first few schema violations, each prefixed with the JSON path of the offending value in the same
style as `stormdrill validate` (`load.stages[1].rate`, `$` for the whole plan). A file that is not JSON is
reported as invalid with the parse error. A plan argument that is the schema file itself is skipped (so that
`plans/*.json` can be passed), with a note on stderr.

Exit status: 0 whatever the plans' verdicts (the caller decides); 2 for a usage error; 3 if the schema cannot be
read or is not a valid draft 2020-12 JSON Schema.

The stormdrill decoder remains the authority on plans: see docs/plan-format.md, "What the JSON Schema cannot
check", for what the schema only approximates.
"""

import json
import os
import re
import sys

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError, best_match
except ImportError:  # pragma: no cover - depends on the environment
    sys.stderr.write(
        "validate_plans.py: the jsonschema package is missing; run it with scripts/python-tools.sh run ...\n"
    )
    sys.exit(3)

# How many errors are listed per file.
MAX_ERRORS = 5

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def render_path(path):
    """Renders a JSON path like the plan decoder: `load.stages[1].rate`, `target.headers["X Y"]`, `$` for root."""
    out = ""
    for component in path:
        if isinstance(component, int):
            out += f"[{component}]"
        elif _PLAIN_KEY.match(component):
            out += ("." if out else "") + component
        else:
            out += "[" + json.dumps(component, ensure_ascii=False) + "]"
    return out or "$"


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def parse_plan(data):
    """Parses plan bytes as strict JSON (UTF-8, optional byte order mark, no NaN/Infinity)."""
    text = data.decode("utf-8-sig")
    return json.loads(text, parse_constant=_reject_constant)


def short(value, limit=80):
    """A value as compact JSON, cut to `limit` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hint(subschema, root):
    """The description of a subschema (following a local `$ref`), or None."""
    seen = 0
    while isinstance(subschema, dict) and seen < 8:
        text = subschema.get("description") or subschema.get("$comment")
        if text:
            return text
        ref = subschema.get("$ref", "")
        if not ref.startswith("#/$defs/"):
            return None
        subschema = root.get("$defs", {}).get(ref[len("#/$defs/"):])
        seen += 1
    return None


def describe(error, root):
    """One line for a schema error: the path of the value, then the most specific message available.

    Regular expressions and whole subschemas make poor messages, so for `pattern`, `not`, `contains`, `anyOf` and
    `oneOf` the schema's own description of what is expected (or forbidden) is used instead.
    """
    # For anyOf/oneOf failures, the sub-error that best explains the problem is more useful than the summary.
    e = best_match([error]) if error.context else error
    message = e.message
    if e.validator == "pattern":
        expected = hint(e.schema, root)
        if expected:
            message = f"{short(e.instance)} does not match the expected form. Expected: {expected}"
    elif e.validator == "not":
        forbidden = hint(e.validator_value, root)
        if forbidden:
            message = f"{short(e.instance)} is not allowed here. Not allowed: {forbidden}"
    elif e.validator == "contains":
        wanted = hint(e.validator_value, root)
        if wanted:
            message = f"no item matches. Needed: {wanted}"
    elif e.validator in ("anyOf", "oneOf") and hint(e.schema, root):
        message = f"{short(e.instance)} does not fit any allowed form. Expected: {hint(e.schema, root)}"
    elif repr(e.instance) in message:
        # JSON spelling of the value rather than Python's, and long values shortened.
        message = message.replace(repr(e.instance), short(e.instance), 1)
    return f"{render_path(e.absolute_path)}: {message}"


def _path_key(error):
    return [(isinstance(c, str), c) for c in error.absolute_path]


def check(validator, path):
    result = {"file": path, "valid": False, "errors": []}
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        result["errors"].append(f"$: cannot read the plan: {e.strerror or e}")
        return result
    try:
        plan = parse_plan(data)
    except UnicodeDecodeError as e:
        result["errors"].append(f"$: invalid JSON: not UTF-8 ({e.reason} at byte {e.start})")
        return result
    except json.JSONDecodeError as e:
        result["errors"].append(f"$: invalid JSON: {e.msg} (line {e.lineno}, column {e.colno})")
        return result
    except (ValueError, RecursionError) as e:
        result["errors"].append(f"$: invalid JSON: {e}")
        return result

    errors = sorted(validator.iter_errors(plan), key=_path_key)
    result["valid"] = not errors
    result["errors"] = [describe(e, validator.schema) for e in errors[:MAX_ERRORS]]
    return result


def load_schema(path):
    try:
        with open(path, "rb") as f:
            schema = json.loads(f.read().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        fail_schema(path, f"cannot read the schema: {e}")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        location = render_path(e.absolute_path) if e.absolute_path else "$"
        fail_schema(path, f"not a valid draft 2020-12 JSON Schema at {location}: {e.message}")
    # Format checking stays off: the decoder does not use "format", and patterns carry the rules.
    return Draft202012Validator(schema, format_checker=None)


def fail_schema(path, message):
    sys.stderr.write(f"validate_plans.py: {path}: {message}\n")
    sys.exit(3)


def same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    schema_path, plan_paths = argv[1], argv[2:]
    validator = load_schema(schema_path)
    for path in plan_paths:
        if same_file(path, schema_path):
            sys.stderr.write(f"validate_plans.py: skipping {path}: it is the schema, not a plan\n")
            continue
        print(json.dumps(check(validator, path), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
