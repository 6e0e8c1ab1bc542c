#!/usr/bin/env python3
"""Runs Tests/toxiproxy/experiment.json with `chaos run` against a running `stormdrill proxy`.

    scripts/python-tools.sh run Tests/toxiproxy/run_experiment.py --api 127.0.0.1:8474 --journal DIR/journal.json

Starts a loopback upstream (port 0) for the experiment's proxy, sets TOXIPROXY_PORT and UPSTREAM_PORT, runs the
unmodified Chaos Toolkit CLI with chaostoolkit-toxiproxy's actions, then checks the journal: status completed, not
deviated, every activity succeeded, the proxy was seen down (enabled false) and the API afterwards lists no proxy
(the rollback deleted it). Prints one JSON line; exits with 0 only if all of that held.
"""
import argparse
import json
import os
import socketserver
import subprocess
import sys
import threading
import urllib.request


class Sink(socketserver.BaseRequestHandler):
    def handle(self):
        while self.request.recv(4096):
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--journal", required=True)
    args = parser.parse_args()
    api_host, api_port = args.api.rsplit(":", 1)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Sink)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    here = os.path.dirname(os.path.abspath(__file__))
    chaos = os.path.join(os.path.dirname(sys.executable), "chaos")
    env = dict(os.environ, TOXIPROXY_PORT=api_port, UPSTREAM_PORT=str(server.server_address[1]))
    try:
        run = subprocess.run(
            [chaos, "--no-version-check", "--log-file", args.journal + ".log", "run", "--journal-path", args.journal,
             os.path.join(here, "experiment.json")],
            env=env, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()

    result = {"exit": run.returncode}
    try:
        with open(args.journal) as f:
            journal = json.load(f)
    except (OSError, ValueError) as error:
        result["error"] = "no journal: %s" % error
        result["stderr"] = run.stderr[-2000:]
        print(json.dumps(result, sort_keys=True))
        return 1
    activities = journal.get("run", [])
    statuses = {a["activity"]["name"]: a["status"] for a in activities}
    outputs = {a["activity"]["name"]: a.get("output") for a in activities}
    with urllib.request.urlopen("http://%s/proxies" % args.api, timeout=3) as response:
        remaining = json.load(response)
    result.update(
        status=journal.get("status"), deviated=journal.get("deviated"), activities=statuses,
        seen_down=outputs.get("is-down") is False, rollbacks=[r["status"] for r in journal.get("rollbacks", [])],
        remaining_proxies=sorted(remaining))
    ok = (run.returncode == 0 and journal.get("status") == "completed" and not journal.get("deviated")
          and len(statuses) == 10 and all(s == "succeeded" for s in statuses.values())
          and result["seen_down"] and "chaos_db" not in remaining)
    result["ok"] = ok
    if not ok:
        result["stderr"] = run.stderr[-2000:]
    print(json.dumps(result, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
