"""load.py - the clients and the final audit of tests/ha/run.sh.

    python3 load.py drive URL DIR     clients run until DIR/stop exists, then
                                      write DIR/clients.json
    python3 load.py audit DIR         reads the clients' records, DIR/phases and
                                      the database; prints the figures and exits
                                      non-zero when a target is missed

Each client loops: create a cart, check it out with an Idempotency-Key,
then pay (capture) or cancel the order with an event id, retrying every
failed request (5xx or a broken connection) with the same key or event id
until it is answered.  Every HTTP attempt is recorded with its time and
outcome; an order counts as acknowledged once a 201 reached the client.
Python stdlib only; talks to HAProxy on 127.0.0.1 only.
"""
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "http"))
import pgtemp  # noqa: E402

SKUS = ["HA-A", "HA-B", "HA-C", "HA-D"]
LOCATIONS = ["east", "west"]
# Enough that checkouts still succeed during the restarts, few enough that
# the last units are fought over.
UNITS_PER_LOCATION = 600
MIN_ITERATION_SECONDS = 0.15
CLIENTS = 16
LEGAL_ORDER_STATES = {"pending_payment", "payment_failed", "processing", "delivered",
                      "canceled", "completed"}
LEGAL_RESERVATION_STATES = {"active", "committed", "released", "expired"}


class Client:
    def __init__(self, url, n, stop_path):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.conn = None
        self.rng = random.Random(n)
        self.n = n
        self.stop_path = stop_path
        self.attempts = []  # [time, route, status or 0 for a broken connection]
        self.orders = {}  # id -> {"lines", "state", "total"}

    def once(self, method, path, body, headers, route):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        t = time.time()
        try:
            self.conn.request(method, path, body=json.dumps(body),
                              headers=dict(headers, **{"Content-Type": "application/json"}))
            r = self.conn.getresponse()
            data = r.read()
            self.attempts.append([t, route, r.status])
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return r.status, data
        except (OSError, http.client.HTTPException):
            self.attempts.append([t, route, 0])
            self.conn.close()
            self.conn = None
            return 0, b""

    def call(self, method, path, body, headers=None, route=None):
        """Retry until answered with anything but a 5xx (same body, same key)."""
        for i in range(200):
            status, data = self.once(method, path, body, headers or {}, route or path)
            if status and status < 500:
                return status, json.loads(data) if data else {}
            time.sleep(min(0.02 * (i + 1), 0.2))
        raise RuntimeError("client %d: %s %s never answered" % (self.n, method, path))

    def iteration(self):
        lines = [{"sku": s, "quantity": self.rng.randint(1, 2)}
                 for s in self.rng.sample(SKUS, self.rng.randint(1, 2))]
        status, cart = self.call("POST", "/v1/carts", {"currency": "EUR", "country": "DE",
                                 "customer_group": "retail", "channel": "web", "lines": lines},
                                 route="carts")
        if status != 201:
            raise RuntimeError("cart refused: %s %s" % (status, cart))
        status, env = self.call("POST", "/v1/orders", {"cart_id": cart["id"]},
                                {"Idempotency-Key": "ord-" + cart["id"]}, route="checkout")
        if status == 409 and env["error"]["code"] == "insufficient_stock":
            return
        if status != 201:
            raise RuntimeError("checkout: %s %s" % (status, env))
        order = env
        rec = {"lines": lines, "state": order["state"], "total": order["total"]}
        self.orders[order["id"]] = rec
        kind = "cancel" if self.rng.random() < 0.25 else "capture"
        body = {"id": "%s-%s" % (kind, order["id"]), "type": kind}
        if kind == "capture":
            body["amount"] = order["total"]
        status, res = self.call("POST", "/v1/orders/%s/events" % order["id"], body, route="event")
        if status != 200:
            raise RuntimeError("event: %s %s" % (status, res))
        rec["state"] = res["order"]["state"]

    def run(self):
        try:
            while not os.path.exists(self.stop_path):
                # Paced, so that a faster machine does not sell out before
                # the instances start dying.
                t = time.time()
                self.iteration()
                time.sleep(max(0.0, MIN_ITERATION_SECONDS - (time.time() - t)))
        except Exception as e:  # recorded and reported by the audit
            self.error = repr(e)


def drive(url, directory):
    clients = [Client(url, i, os.path.join(directory, "stop")) for i in range(CLIENTS)]
    for c in clients:
        c.error = None
    threads = [threading.Thread(target=c.run) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"attempts": [a for c in clients for a in c.attempts],
           "orders": {k: v for c in clients for k, v in c.orders.items()},
           "errors": [c.error for c in clients if c.error]}
    with open(os.path.join(directory, "clients.json"), "w") as f:
        json.dump(out, f)


def rows(directory, sql):
    return [line.split("\t") for line in pgtemp.psql(pgtemp.port_of(directory), sql, db="ecom")
            .splitlines() if line]


def share(attempts, t0, t1):
    inside = [a for a in attempts if t0 <= a[0] <= t1]
    failed = sum(1 for a in inside if a[2] == 0 or a[2] >= 500)
    return failed, len(inside)


def audit(directory):
    with open(os.path.join(directory, "clients.json")) as f:
        c = json.load(f)
    phases = {}
    with open(os.path.join(directory, "phases")) as f:
        for line in f:
            k, v = line.split()
            phases[k] = float(v)
    acked = c["orders"]
    db_orders = {r[0]: r[1] for r in rows(directory, "SELECT id, state FROM orders")}
    lost = [o for o in acked if o not in db_orders]
    unacked = [o for o in db_orders if o not in acked]
    wrong_state = [o for o, r in acked.items() if db_orders.get(o, r["state"]) != r["state"]]
    illegal_orders = [o for o, s in db_orders.items() if s not in LEGAL_ORDER_STATES]
    illegal_res = rows(directory, "SELECT id, status FROM reservations WHERE status NOT IN"
                       " ('active', 'committed', 'released', 'expired')")
    # A canceled order holds nothing; a live one holds a committed reservation.
    bad_holds = rows(directory, "SELECT r.id FROM reservations r JOIN orders o ON o.id = r.order_id"
                     " WHERE (o.state = 'canceled') = (r.status IN ('active', 'committed'))")
    # Oversell, from the clients' records: units of live acknowledged orders.
    sold = {s: 0 for s in SKUS}
    for r in acked.values():
        if r["state"] != "canceled":
            for line in r["lines"]:
                sold[line["sku"]] += line["quantity"]
    supply = UNITS_PER_LOCATION * len(LOCATIONS)
    oversold_clients = sum(max(0, n - supply) for n in sold.values())
    # ... and from the database: what is held per row against what may be.
    oversold_db = rows(directory,
                       "SELECT coalesce(sum(greatest(0, h.held - (s.on_hand - s.safety_stock"
                       " + s.backorder_limit))), 0) FROM stock s JOIN (SELECT l.sku, l.location,"
                       " sum(l.quantity - l.shipped - l.released) AS held FROM reservation_lines l"
                       " JOIN reservations r"
                       " ON r.id = l.reservation_id WHERE r.status IN ('active', 'committed')"
                       " GROUP BY l.sku, l.location) h USING (sku, location)")[0][0]
    created = rows(directory, "SELECT data::json->>'id', count(*) FROM outbox"
                   " WHERE type = 'order.created' GROUP BY 1")
    created_count = {r[0]: int(r[1]) for r in created}
    events_missing = [o for o in db_orders if created_count.get(o, 0) == 0]
    events_twice = [o for o, n in created_count.items() if n > 1]
    changed = rows(directory, "SELECT data::json->>'id', data::json->>'version', count(*)"
                   " FROM outbox WHERE type = 'order.state_changed' GROUP BY 1, 2")
    changed_twice = [r for r in changed if int(r[2]) > 1]
    changed_missing = [o for o, r in acked.items()
                       if r["state"] != "pending_payment" and not any(x[0] == o for x in changed)]
    kill_fail, kill_n = share(c["attempts"], phases["kill"] - 1, phases["kill_ready"] + 2)
    roll_fail, roll_n = share(c["attempts"], phases["roll_start"], phases["roll_end"])
    all_fail, all_n = share(c["attempts"], 0, 1e12)
    kill_pct = 100.0 * kill_fail / max(kill_n, 1)

    def sales(t0, t1):
        return sum(1 for a in c["attempts"] if t0 <= a[0] <= t1 and a[1] == "checkout"
                   and a[2] == 201)
    kill_sales = sales(phases["kill"] - 1, phases["kill_ready"] + 2)
    roll_sales = sales(phases["roll_start"], phases["roll_end"])
    figures = [
        ("client requests", all_n), ("failed client requests (5xx or broken)", all_fail),
        ("acknowledged orders", len(acked)), ("acknowledged orders lost", len(lost)),
        ("orders in the database never acknowledged", len(unacked)),
        ("orders whose state differs from the last acknowledged one", len(wrong_state)),
        ("orders or reservations in an illegal state", len(illegal_orders) + len(illegal_res)),
        ("reservations inconsistent with their order", len(bad_holds)),
        ("oversold units (clients' records)", oversold_clients),
        ("oversold units (database)", int(oversold_db)),
        ("orders without their order.created event", len(events_missing)),
        ("order.created events duplicated", len(events_twice)),
        ("state changes without their event, or duplicated",
         len(changed_missing) + len(changed_twice)),
        ("units sold per SKU (of %d)" % supply, " ".join("%s=%d" % kv for kv in sorted(sold.items()))),
    ]
    for k, v in figures:
        print("  %-58s %s" % (k, v))
    print("  %-58s %d of %d (%.2f%%)" % ("failed requests around the SIGKILL", kill_fail, kill_n,
                                        kill_pct))
    print("  %-58s %d of %d" % ("failed requests during the rolling restart", roll_fail, roll_n))
    print("  %-58s %d, %d" % ("checkouts acknowledged around the SIGKILL, during the restart",
                               kill_sales, roll_sales))
    problems = []
    if not kill_sales or not roll_sales:
        problems.append("no checkout succeeded while instances died (stock sold out too early)")
    for msg in c["errors"]:
        problems.append("a client stopped: " + msg)
    if len(acked) < 50:
        problems.append("too little load: %d orders" % len(acked))
    if min(sold.values()) == 0:
        problems.append("a SKU saw no sale")
    for name, n in [("lost", lost), ("unacknowledged", unacked), ("wrong state", wrong_state),
                    ("illegal order state", illegal_orders), ("illegal reservation", illegal_res),
                    ("inconsistent reservations", bad_holds), ("missing events", events_missing),
                    ("duplicate events", events_twice), ("state change events", changed_missing
                                                          + changed_twice)]:
        if n:
            problems.append("%s: %s" % (name, n[:5]))
    if oversold_clients or int(oversold_db):
        problems.append("oversold")
    if kill_pct > 1.0:
        problems.append("more than 1% failed requests around the SIGKILL")
    if roll_fail:
        problems.append("failed requests during the rolling restart")
    for p in problems:
        print("FAIL " + p)
    print("ha: %s" % ("all targets met" if not problems else "%d targets missed" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1] == "drive":
        drive(sys.argv[2], sys.argv[3])
    else:
        sys.exit(audit(sys.argv[2]))
