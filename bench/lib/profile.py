"""Reads what bench/profile collected and prints its tables (Markdown, so they paste into docs/benchmarks.md).

  profile.py perf REPORT_JSON DSO_TXT SYM_TXT TOP
  profile.py stat REPORT_JSON STORMDRILL_CSV [WRK_CSV WRK_OUTPUT]
"""

import json
import re
import sys

PERCENT_LINE = re.compile(r"^\s*([\d.]+)%\s+(\S+)(?:\s+\[[.k]\]\s+(.*?))?\s*$")


def report(path):
    with open(path) as f:
        r = json.load(f)
    t = r.get("totals", {})
    return r, t.get("requests") or 0


def short(name, width=110):
    name = re.sub(r"\s+\[/[^\]]*\]$", "", name.strip())
    return name if len(name) <= width else name[: width - 1] + "…"


def perf(report_path, dso_path, sym_path, top):
    r, requests = report(report_path)
    t = r.get("totals", {})
    rps = t.get("throughput", {}).get("requestsPerSecond") or 0
    print()
    print(f"perf, closed model: {requests} requests, {rps:.0f} requests/s while sampled, errors "
          f"{t.get('errors', 0)}, generator saturated: {r.get('generator', {}).get('saturated')}")
    print()
    print("| library | share of samples |")
    print("|---|---:|")
    for line in open(dso_path):
        m = PERCENT_LINE.match(line)
        if m:
            print(f"| {m.group(2)} | {float(m.group(1)):.1f} % |")
    print()
    print(f"Top {top} functions by self time:")
    print()
    print("| share | library | function |")
    print("|---:|---|---|")
    shown = 0
    for line in open(sym_path):
        if shown >= top:
            break
        m = PERCENT_LINE.match(line)
        if m and m.group(3):
            print(f"| {float(m.group(1)):.1f} % | {m.group(2)} | `{short(m.group(3), 90)}` |")
            shown += 1


def counters(path):
    """perf stat -x, output: {event: value}."""
    out = {}
    for line in open(path):
        fields = line.strip().split(",")
        if len(fields) >= 3 and not line.startswith("#"):
            try:
                out[fields[2]] = float(fields[0])
            except ValueError:
                pass  # "<not supported>" or "<not counted>"
    return out


def wrk_requests(path):
    m = re.search(r"(\d+) requests in", open(path).read())
    return int(m.group(1)) if m else 0


def stat(report_path, stormdrill_csv, wrk_csv=None, wrk_output=None):
    _, requests = report(report_path)
    columns = [("stormdrill", counters(stormdrill_csv), requests)]
    if wrk_csv and wrk_output:
        columns.append(("wrk", counters(wrk_csv), wrk_requests(wrk_output)))
    rows = [
        ("requests", None, 1),
        ("CPU µs per request (task-clock)", "task-clock", 1000),
        ("context switches per request", "context-switches", 1),
        ("system calls per request", "raw_syscalls:sys_enter", 1),
        ("CPU migrations per 1k requests", "cpu-migrations", 1000),
        ("page faults per 1k requests", "page-faults", 1000),
    ]
    print()
    print("perf stat, closed model, per request (start-up and exit included):")
    print()
    print("| figure | " + " | ".join(name for name, _, _ in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for label, event, scale in rows:
        cells = []
        for _, c, n in columns:
            if event is None:
                cells.append(str(n))
            elif event not in c or n <= 0:
                cells.append("–")
            else:
                # task-clock is in ms: × 1000 gives µs per request.
                cells.append(f"{c[event] * scale / n:.3f}" if scale == 1 else f"{c[event] * scale / n:.2f}")
        print(f"| {label} | " + " | ".join(cells) + " |")


def main(argv):
    if len(argv) >= 6 and argv[1] == "perf":
        perf(argv[2], argv[3], argv[4], int(argv[5]))
    elif len(argv) in (4, 6) and argv[1] == "stat":
        stat(*argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
