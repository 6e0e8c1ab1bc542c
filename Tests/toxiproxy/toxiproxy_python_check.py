#!/usr/bin/env python3
"""Drives a running `stormdrill proxy` with the unmodified toxiproxy-python client.

    scripts/python-tools.sh run Tests/toxiproxy/toxiproxy_python_check.py --api 127.0.0.1:8474

Starts its own echo upstream on 127.0.0.1 (port 0), then through the client: creates a proxy, measures the round
trip, adds a 100 ms latency toxic and checks it adds 100±10 ms, removes it, disables the proxy (connects refused)
and enables it again, resets and destroys it. Prints one JSON line with the measurements; exits 0 only if every
check held. All traffic stays on loopback; every wait is bounded.
"""
import argparse
import json
import socket
import socketserver
import statistics
import sys
import threading
import time

try:
    from toxiproxy import Toxiproxy
except ImportError:  # pragma: no cover - the environment is made by scripts/python-tools.sh
    sys.stderr.write("toxiproxy_python_check.py: toxiproxy-python is missing; run it with scripts/python-tools.sh\n")
    sys.exit(2)


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(4096)
            if not data:
                return
            self.request.sendall(data)


def round_trip_ms(address, samples=7):
    host, port = address.rsplit(":", 1)
    times = []
    with socket.create_connection((host, int(port)), timeout=3) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(samples):
            start = time.perf_counter()
            s.sendall(b"ping\n")
            got = b""
            while len(got) < 5:
                chunk = s.recv(64)
                if not chunk:
                    raise RuntimeError("connection closed during a round trip")
                got += chunk
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def refused(address):
    host, port = address.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        return False
    except ConnectionRefusedError:
        return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True, help="host:port of the Toxiproxy-compatible API")
    args = parser.parse_args()
    api_host, api_port = args.api.rsplit(":", 1)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    upstream = "127.0.0.1:%d" % server.server_address[1]

    toxiproxy = Toxiproxy()
    toxiproxy.update_api_consumer(api_host, int(api_port))
    checks = {}
    result = {"client": "toxiproxy-python", "checks": checks}
    try:
        checks["running"] = toxiproxy.running()
        result["version"] = json.loads(toxiproxy.version())["version"]
        proxy = toxiproxy.create(upstream=upstream, name="py_echo", listen="127.0.0.1:0")
        result["listen"] = proxy.listen
        checks["listed"] = "py_echo" in toxiproxy.proxies()

        base = round_trip_ms(proxy.listen)
        proxy.add_toxic(type="latency", attributes={"latency": 100})
        toxics = proxy.toxics()
        checks["toxic_listed"] = "latency_downstream" in toxics and toxics["latency_downstream"].attributes["latency"] == 100
        slow = round_trip_ms(proxy.listen)
        added = slow - base
        result.update(base_ms=round(base, 2), with_latency_ms=round(slow, 2), added_ms=round(added, 2))
        checks["latency_added_100_10"] = 90 <= added <= 110

        proxy.destroy_toxic("latency_downstream")
        after = round_trip_ms(proxy.listen)
        result["after_removal_ms"] = round(after, 2)
        checks["toxic_removed"] = after < base + 20 and proxy.get_toxic("latency_downstream") is None

        proxy.disable()
        checks["disabled_refuses"] = refused(proxy.listen) and toxiproxy.get_proxy("py_echo").enabled is False
        proxy.enable()
        checks["enabled_again"] = round_trip_ms(proxy.listen, samples=1) >= 0 and toxiproxy.get_proxy("py_echo").enabled

        proxy.add_toxic(type="timeout", name="cut", attributes={"timeout": 0})
        proxy.disable()
        checks["reset"] = toxiproxy.reset()
        reset_proxy = toxiproxy.get_proxy("py_echo")
        checks["reset_enabled_no_toxics"] = reset_proxy.enabled and reset_proxy.toxics() == {}
        checks["destroyed"] = toxiproxy.destroy(reset_proxy) and toxiproxy.get_proxy("py_echo") is None
    except Exception as error:  # report, do not hide: the Swift test shows stdout
        result["error"] = "%s: %s" % (type(error).__name__, error)
    finally:
        server.shutdown()
    ok = "error" not in result and all(checks.values()) and len(checks) >= 10
    result["ok"] = ok
    print(json.dumps(result, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
