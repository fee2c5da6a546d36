"""workload.py - the clients of tests/ha/regions: in each region, clients
that check out one unit of a scarce SKU at a time (a cart with one line,
then POST /v1/orders with an Idempotency-Key), each talking to its own
region's instances in turn.  Every attempt is recorded: when it started,
its outcome (served, no_stock: refused for lack of stock in that region,
failed: anything else, a broken connection or a timeout included), the
latency of the checkout request, the order id.  Python stdlib only;
loopback only.
"""
import http.client
import json
import random
import socket
import threading
import time

CLIENTS_PER_REGION = 4
PACE = 0.1  # seconds between the starts of one client's attempts, at least
TIMEOUT = 5.0
# What each region's shoppers buy (weights per SKU).
MIX = {"east": {"RG-A": 5, "RG-B": 3, "RG-C": 2}, "west": {"RG-A": 2, "RG-B": 3, "RG-C": 5}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(host, port, method, path, body=None, headers=None, timeout=TIMEOUT, conn=None):
    """(status, parsed body) or (0, None) when the request did not complete."""
    own = conn is None
    c = conn or http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=hdrs)
        r = c.getresponse()
        raw = r.read()
        try:
            return r.status, json.loads(raw) if raw else None
        except ValueError:
            return r.status, None
    except (OSError, http.client.HTTPException):
        if not own:
            c.close()
        return 0, None
    finally:
        if own:
            c.close()


class Client(threading.Thread):
    def __init__(self, region, ports, n, stop):
        super().__init__(daemon=True)
        self.region, self.ports, self.stop = region, ports, stop
        self.rng = random.Random("%s-%d" % (region, n))
        self.n = n
        self.conns = {}
        self.records = []
        skus = MIX[region]
        self.choices = [s for s, w in skus.items() for _ in range(w)]

    def conn(self, port):
        if port not in self.conns:
            self.conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        return self.conns[port]

    def call(self, port, method, path, body, headers=None):
        status, doc = http_json("127.0.0.1", port, method, path, body, headers,
                                conn=self.conn(port))
        if status == 0:
            self.conns.pop(port, None)
        return status, doc

    def attempt(self, i):
        port = self.ports[i % len(self.ports)]
        sku = self.rng.choice(self.choices)
        rec = {"t": time.time(), "sku": sku, "outcome": "failed", "latency": None, "order": None}
        status, cart = self.call(port, "POST", "/v1/carts",
                                 {"currency": "EUR", "country": "DE",
                                  "lines": [{"sku": sku, "quantity": 1}]})
        if status == 201:
            t0 = time.time()
            status, order = self.call(port, "POST", "/v1/orders", {"cart_id": cart["id"]},
                                      {"Idempotency-Key": "co-" + cart["id"]})
            if status:
                rec["latency"] = time.time() - t0
            if status == 201:
                rec["outcome"], rec["order"] = "served", order["id"]
            elif status == 409 and order and order["error"]["code"] == "insufficient_stock":
                rec["outcome"] = "no_stock"
        self.records.append(rec)

    def run(self):
        i = self.n
        while not self.stop.is_set():
            t = time.time()
            self.attempt(i)
            i += 1
            self.stop.wait(max(0.0, PACE - (time.time() - t)))


class Workload:
    def __init__(self, ports, stock):
        self.stop_event = threading.Event()
        self.clients = [Client(r, ports[r], n, self.stop_event)
                        for r in ports for n in range(CLIENTS_PER_REGION)]

    def start(self):
        for c in self.clients:
            c.start()

    def stop(self):
        self.stop_event.set()
        for c in self.clients:
            c.join(TIMEOUT * 3)

    def attempts(self, region, t0=0.0, t1=1e18):
        return [r for c in self.clients if c.region == region for r in c.records
                if t0 <= r["t"] < t1]

    def orders(self, region):
        return [r["order"] for r in self.attempts(region) if r["outcome"] == "served"]

    def p99(self, region):
        lat = sorted(r["latency"] for r in self.attempts(region) if r["latency"] is not None)
        if not lat:
            return None
        return 1000.0 * lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
