#!/usr/bin/env python3
"""A stand-in for the campus order service, for working on the student page without building the platform.

Serves the page from Sources/CampusPlatform/StudentPage.swift at `/` and a small in-memory API in the contract's
shapes: GET /menu, POST /orders (Idempotency-Key honoured), GET /orders/{id} (placed -> paid -> dispatched ->
delivered over a few seconds, or payment_pending while payment is down), GET /status (404 until the first outage,
then degraded / resolved). Control, for tests and screenshots:

  POST /_mock/payment {"down": true|false}   start or end a payment outage
  POST /_mock/api {"down": true|false}        make every API route answer 503 (the order service itself failing)
  GET  /_mock/orders                          {"orders": N, "keys": N}

  python3 Tests/browser/mock_platform.py --port 8099
Only binds to 127.0.0.1.
"""

import argparse
import json
import pathlib
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = pathlib.Path(__file__).resolve().parents[2]


def page_html():
    """The page as the Swift source holds it (the raw string literal, with its indentation removed)."""
    source = (ROOT / "Sources/CampusPlatform/StudentPage.swift").read_text()
    match = re.search(r'#"""\n(.*?)\n( *)"""#', source, re.S)
    if not match:
        sys.exit("mock_platform: no raw string literal in StudentPage.swift")
    indent = len(match.group(2))
    return "\n".join(line[indent:] for line in match.group(1).split("\n"))


MENU = {
    "vendors": [
        {"id": "central-canteen", "name": "Central Canteen", "kind": "canteen", "hours": "10:30-20:30",
         "deliveryFeeCents": 150, "items": [
             {"sku": "central-braised-pork-rice", "name": "Braised pork rice", "priceCents": 1250},
             {"sku": "central-kung-pao-chicken", "name": "Kung pao chicken", "priceCents": 1180},
             {"sku": "central-tomato-egg-noodles", "name": "Tomato and egg noodles", "priceCents": 890},
             {"sku": "central-soy-milk", "name": "Soy milk", "priceCents": 250}]},
        {"id": "pizza-corner", "name": "Pizza Corner", "kind": "merchant", "hours": "11:30-01:00",
         "deliveryFeeCents": 300, "items": [
             {"sku": "pizza-margherita", "name": "Margherita", "priceCents": 1890},
             {"sku": "pizza-cola", "name": "Cola", "priceCents": 250}]},
    ],
    "slots": ["11:30-11:45", "11:45-12:00", "12:00-12:15", "18:00-18:15"],
    "pickupPoints": ["library-lockers", "student-union-desk"],
    "paymentMethods": ["campus-card", "mobile-wallet"],
    "dorms": [{"id": "maple-hall", "name": "Maple Hall", "gate": "north-gate"},
              {"id": "oak-tower", "name": "Oak Tower", "gate": "south-gate"}],
}


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.orders = {}
        self.keys = {}
        self.payment_down = False
        self.api_down = False
        self.status = None  # None: /status answers 404

    def order_view(self, order):
        now = time.time()
        view = dict(order)
        age = now - order["paidAt"] if order.get("paidAt") else None
        if order["state"] == "payment_pending":
            if not self.payment_down:
                order["state"], order["paidAt"], order["paymentState"] = "paid", now, "captured"
                view = dict(order)
                view["compensation"] = {"issued": True, "coupon": "SORRY-" + order["id"][-4:]}
                order["compensation"] = view["compensation"]
        elif age is not None:
            state = "paid" if age < 3 else "dispatched" if age < 8 else ("picked_up" if order.get("pickupPoint") else "delivered")
            view["state"] = state
            if state != "paid":
                view["dispatch"] = {"mode": "pickup" if order.get("pickupPoint") else "rider", "rider": "Rider 7",
                                    "etaMinutes": max(0, int(8 - age))}
        return view


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def problem(self, status, field, message):
        self.send(status, {"error": message, "field": field, "status": status})

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}"), raw
        except ValueError:
            return None, raw

    def do_GET(self):
        path = self.path.split("?")[0]
        if path in ("/", "/index.html"):
            return self.send(200, page_html(), "text/html; charset=utf-8")
        if path == "/_mock/orders":
            with STATE.lock:
                return self.send(200, {"orders": len(STATE.orders), "keys": len(STATE.keys)})
        if STATE.api_down:
            return self.problem(503, "service", "the order service is unavailable")
        if path == "/menu":
            return self.send(200, MENU)
        if path == "/status":
            with STATE.lock:
                if STATE.status is None:
                    return self.problem(404, "path", "not found")
                return self.send(200, STATE.status)
        match = re.fullmatch(r"/orders/([^/]+)", path)
        if match:
            with STATE.lock:
                order = STATE.orders.get(match.group(1))
                if not order:
                    return self.problem(404, "id", "no such order")
                return self.send(200, STATE.order_view(order))
        self.problem(404, "path", "not found")

    def do_POST(self):
        path = self.path.split("?")[0]
        data, raw = self.body()
        if path == "/_mock/payment":
            with STATE.lock:
                STATE.payment_down = bool((data or {}).get("down"))
                now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                if STATE.payment_down:
                    STATE.status = {"state": "degraded", "since": now,
                                    "message": "Payments are delayed. Orders are accepted and charged when payment is back."}
                elif STATE.status is not None:
                    STATE.status = {"state": "resolved", "since": now, "message": "Payments work again."}
            return self.send(200, {"paymentDown": STATE.payment_down})
        if path == "/_mock/api":
            STATE.api_down = bool((data or {}).get("down"))
            return self.send(200, {"apiDown": STATE.api_down})
        if STATE.api_down:
            return self.problem(503, "service", "the order service is unavailable")
        if path != "/orders":
            return self.problem(404, "path", "not found")
        if data is None:
            return self.problem(400, "body", "the body is not valid JSON")
        for field in ("student", "canteen", "items"):
            if not data.get(field):
                return self.problem(422, field, 'missing "%s"' % field)
        if not data.get("dorm") and not data.get("pickupPoint"):
            return self.problem(422, "dorm", "a delivery order needs a dorm (or choose a pickupPoint)")
        key = self.headers.get("Idempotency-Key")
        with STATE.lock:
            if key and key in STATE.keys:
                order_id, previous = STATE.keys[key]
                if previous != raw:
                    return self.problem(409, "Idempotency-Key", "this Idempotency-Key was used for a different request")
                return self.send(201, STATE.order_view(STATE.orders[order_id]))
            order_id = "ord-%06d" % (len(STATE.orders) + 1)
            vendor = next((v for v in MENU["vendors"] if v["id"] == data["canteen"]), None)
            if not vendor:
                return self.problem(422, "canteen", "unknown canteen")
            prices = {i["sku"]: i["priceCents"] for i in vendor["items"]}
            total = sum(prices.get(i.get("sku"), 0) * int(i.get("qty", 1)) for i in data["items"])
            if not data.get("pickupPoint"):
                total += vendor["deliveryFeeCents"]
            order = {"id": order_id, "student": data["student"], "canteen": data["canteen"],
                     "items": [{"sku": i["sku"], "qty": i.get("qty", 1),
                                "name": next((x["name"] for x in vendor["items"] if x["sku"] == i["sku"]), i["sku"])}
                               for i in data["items"]],
                     "totalCents": total, "dorm": data.get("dorm"), "slot": data.get("slot"),
                     "pickupPoint": data.get("pickupPoint"), "payment": data.get("payment", "campus-card")}
            if STATE.payment_down:
                order.update(state="payment_pending", paymentState="pending")
            else:
                order.update(state="paid", paymentState="captured", paidAt=time.time())
            STATE.orders[order_id] = order
            if key:
                STATE.keys[key] = (order_id, raw)
            return self.send(201, STATE.order_view(order))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("mock campus platform on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
