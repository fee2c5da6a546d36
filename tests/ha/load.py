"""load.py - the clients and the audits of the HA harness (tests/ha/run.sh,
the instance stage, and tests/ha/failover.py, the database stage).

    python3 load.py fixtures ROOT DIR [UNITS]  writes DIR/rules.json (the
                                      example rules with the test SKUs) and
                                      DIR/stock.json (UNITS per SKU and location)
    python3 load.py drive URL DIR [CLIENTS]   clients run until DIR/stop exists,
                                      then write DIR/clients.json
    python3 load.py audit DIR         run.sh's audit: reads the clients' records,
                                      DIR/phases and the database; prints the
                                      figures and exits non-zero when a target
                                      is missed

Each client loops: create a cart, check it out, capture the payment (no
amount: the order's total), and fulfil every other order, each write with
an Idempotency-Key or an event id, retrying every failed request (5xx or a
broken connection) with the same key or id until it is answered.  Every
HTTP attempt is recorded with its start and end time and its outcome; an
order counts as acknowledged once a 201 reached the client.  Python stdlib
only; talks to 127.0.0.1 only.
"""
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "http"))
import pgtemp  # noqa: E402

SKUS = ["HA-A", "HA-B", "HA-C", "HA-D"]
LOCATIONS = ["east", "west"]
# run.sh: enough that checkouts still succeed during the restarts, few
# enough that the last units are fought over.
UNITS_PER_LOCATION = 600
MIN_ITERATION_SECONDS = 0.15
CLIENTS = 16
# A request is retried for this long before the client gives up.
RETRY_SECONDS = 90
LEGAL_ORDER_STATES = {"pending_payment", "payment_failed", "processing", "delivered",
                      "canceled", "completed"}


def write_fixtures(root, directory, units):
    """rules.json: the example ruleset with the test SKUs at 10.00 EUR;
    stock.json: units[sku] at every location."""
    with open(os.path.join(root, "examples", "rules.json")) as f:
        rules = json.load(f)
    rules["products"] += [{"sku": s, "prices": {"EUR": "10.00"}} for s in SKUS]
    with open(os.path.join(directory, "rules.json"), "w") as f:
        json.dump(rules, f)
    with open(os.path.join(directory, "stock.json"), "w") as f:
        json.dump({"stock": [{"sku": s, "location": loc, "on_hand": units[s], "safety_stock": 0,
                              "backorder_limit": 0} for s in SKUS for loc in LOCATIONS]}, f)


def supply_of(directory):
    """Units per SKU over all locations, from DIR/stock.json."""
    with open(os.path.join(directory, "stock.json")) as f:
        out = {s: 0 for s in SKUS}
        for e in json.load(f)["stock"]:
            out[e["sku"]] += e["on_hand"]
        return out


class Client:
    def __init__(self, url, n, stop_path):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.conn = None
        self.rng = random.Random(n)
        self.n = n
        self.stop_path = stop_path
        self.attempts = []  # [start, route, status or 0 for a broken connection, end]
        self.orders = {}  # id -> {"lines", "state", "total"}
        self.carts = 0
        self.error = None

    def once(self, method, path, body, headers, route):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        t = time.time()
        try:
            self.conn.request(method, path, body=json.dumps(body),
                              headers=dict(headers, **{"Content-Type": "application/json"}))
            r = self.conn.getresponse()
            data = r.read()
            self.attempts.append([t, route, r.status, time.time()])
            if r.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return r.status, data
        except (OSError, http.client.HTTPException):
            self.attempts.append([t, route, 0, time.time()])
            self.conn.close()
            self.conn = None
            return 0, b""

    def call(self, method, path, body, headers=None, route=None):
        """Retry until answered with anything but a 5xx (same body, same key)."""
        deadline = time.time() + RETRY_SECONDS
        i = 0
        while time.time() < deadline:
            status, data = self.once(method, path, body, headers or {}, route or path)
            if status and status < 500:
                return status, json.loads(data) if data else {}
            i += 1
            time.sleep(min(0.02 * i, 0.2))
        raise RuntimeError("client %d: %s %s never answered" % (self.n, method, path))

    def event(self, order_id, kind, rec, **fields):
        body = dict({"id": "%s-%s" % (kind, order_id), "type": kind}, **fields)
        status, res = self.call("POST", "/v1/orders/%s/events" % order_id, body, route="event")
        if status != 200:
            raise RuntimeError("%s: %s %s" % (kind, status, res))
        rec["state"] = res["order"]["state"]
        rec["fulfillment"] = res["order"]["fulfillment"]

    def iteration(self):
        lines = [{"sku": s, "quantity": self.rng.randint(1, 2)}
                 for s in self.rng.sample(SKUS, self.rng.randint(1, 2))]
        self.carts += 1
        status, cart = self.call("POST", "/v1/carts", {"currency": "EUR", "country": "DE",
                                 "customer_group": "retail", "channel": "web", "lines": lines},
                                 {"Idempotency-Key": "cart-%d-%d" % (self.n, self.carts)},
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
        rec = {"lines": lines, "state": order["state"], "total": order["total"],
               "fulfillment": order["fulfillment"]}
        self.orders[order["id"]] = rec
        self.event(order["id"], "capture", rec)
        if self.rng.random() < 0.5:
            self.event(order["id"], "fulfill", rec, lines=lines)

    def run(self, pace):
        try:
            while not os.path.exists(self.stop_path):
                # Paced, so that a faster machine does not sell out before
                # the faults.
                t = time.time()
                self.iteration()
                time.sleep(max(0.0, pace - (time.time() - t)))
        except Exception as e:  # recorded and reported by the audit
            self.error = repr(e)


def drive(url, directory, nclients=CLIENTS, pace=MIN_ITERATION_SECONDS):
    clients = [Client(url, i, os.path.join(directory, "stop")) for i in range(nclients)]
    threads = [threading.Thread(target=c.run, args=(pace,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out = {"attempts": [a for c in clients for a in c.attempts],
           "orders": {k: v for c in clients for k, v in c.orders.items()},
           "errors": [c.error for c in clients if c.error]}
    with open(os.path.join(directory, "clients.json"), "w") as f:
        json.dump(out, f)


def psql_rows(uri, sql, env=None):
    """Rows of a query (tab-separated columns) on the server of a libpq URI."""
    out = subprocess.run([os.path.join(pgtemp.BIN, "psql"), "-X", "-q", "-A", "-t", "-F", "\t",
                          "-v", "ON_ERROR_STOP=1", uri, "-c", sql], check=True,
                         capture_output=True, text=True, timeout=60, env=env)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def share(attempts, t0, t1):
    """Failed and all attempts started between t0 and t1."""
    inside = [a for a in attempts if t0 <= a[0] <= t1]
    failed = sum(1 for a in inside if a[2] == 0 or a[2] >= 500)
    return failed, len(inside)


def sales(attempts, t0, t1):
    return sum(1 for a in attempts if t0 <= a[0] <= t1 and a[1] == "checkout" and a[2] == 201)


def audit_store(c, query, supply):
    """The checks of both stages on the clients' records `c` and the store
    (query(sql) -> rows): figures to print and problems found."""
    acked = c["orders"]
    db_orders = {r[0]: r[1] for r in query("SELECT id, state FROM orders")}
    lost = [o for o in acked if o not in db_orders]
    unacked = [o for o in db_orders if o not in acked]
    wrong_state = [o for o, r in acked.items() if db_orders.get(o, r["state"]) != r["state"]]
    illegal_orders = [o for o, s in db_orders.items() if s not in LEGAL_ORDER_STATES]
    illegal_res = query("SELECT id, status FROM reservations WHERE status NOT IN"
                        " ('active', 'committed', 'released', 'expired', 'shipped')")
    # Each acknowledged order's reservation (it has the order's id) holds
    # its units until they ship, and has shipped them once it is fulfilled.
    per_order = {r[0]: (int(r[1]), int(r[2])) for r in query(
        "SELECT r.order_id, coalesce(sum(l.quantity - l.shipped - l.released) FILTER (WHERE"
        " r.status IN ('active', 'committed')), 0), coalesce(sum(l.shipped), 0)"
        " FROM reservations r JOIN reservation_lines l ON l.reservation_id = r.id"
        " WHERE r.order_id IS NOT NULL GROUP BY 1")}
    bad_holds = []
    for o, r in acked.items():
        units = sum(line["quantity"] for line in r["lines"])
        shipped = r["fulfillment"] == "fulfilled"
        want = (0 if shipped or r["state"] == "canceled" else units, units if shipped else 0)
        if o in db_orders and per_order.get(o, (0, 0)) != want:
            bad_holds.append(o)
    # Oversell, from the clients' records: units of live acknowledged orders.
    sold = {s: 0 for s in SKUS}
    for r in acked.values():
        if r["state"] != "canceled":
            for line in r["lines"]:
                sold[line["sku"]] += line["quantity"]
    oversold_clients = sum(max(0, n - supply[s]) for s, n in sold.items())
    # ... and from the database: what is held per row against what may be.
    oversold_db = int(query("SELECT coalesce(sum(greatest(0, held - (on_hand - safety_stock"
                            " + backorder_limit))), 0) FROM stock")[0][0])
    # The stock balance: every unit is on hand or shipped; every row's held
    # count is what its live reservations hold; the units the clients were
    # sold are the units reserved or shipped for their orders.
    shipped = {r[0]: int(r[1]) for r in query(
        "SELECT sku, sum(shipped - returned) FROM reservation_lines GROUP BY 1")}
    on_hand = {r[0]: int(r[1]) for r in query("SELECT sku, sum(on_hand) FROM stock GROUP BY 1")}
    unbalanced = [s for s in SKUS if on_hand.get(s, 0) + shipped.get(s, 0) != supply[s]]
    held_wrong = query("SELECT s.sku, s.location FROM stock s LEFT JOIN (SELECT l.sku,"
                       " l.location, sum(l.quantity - l.shipped - l.released) AS n"
                       " FROM reservation_lines l JOIN"
                       " reservations r ON r.id = l.reservation_id WHERE r.status IN"
                       " ('active', 'committed') GROUP BY 1, 2) h USING (sku, location)"
                       " WHERE s.held <> coalesce(h.n, 0)")
    taken = {r[0]: int(r[1]) for r in query(
        "SELECT l.sku, sum(l.quantity - l.released) FROM reservation_lines l JOIN reservations r"
        " ON r.id = l.reservation_id WHERE r.status IN ('committed', 'shipped') GROUP BY 1")}
    sold_wrong = [s for s in SKUS if taken.get(s, 0) != sold[s]]
    created = {r[0]: int(r[1]) for r in query(
        "SELECT data::json->>'id', count(*) FROM outbox WHERE type = 'order.created'"
        " GROUP BY 1")}
    events_missing = [o for o in db_orders if created.get(o, 0) == 0]
    events_twice = [o for o, n in created.items() if n > 1]
    changed = query("SELECT data::json->>'id', data::json->>'version', count(*)"
                    " FROM outbox WHERE type = 'order.state_changed' GROUP BY 1, 2")
    changed_ids = {x[0] for x in changed}
    changed_twice = [r for r in changed if int(r[2]) > 1]
    changed_missing = [o for o, r in acked.items()
                       if r["state"] != "pending_payment" and o not in changed_ids]
    all_fail, all_n = share(c["attempts"], 0, 1e12)
    balance = "ok" if not (unbalanced or held_wrong or sold_wrong) else \
        "off: supply %s, held %s, sold %s" % (unbalanced, held_wrong[:3], sold_wrong)
    figures = [
        ("client requests", all_n), ("failed client requests (5xx or broken)", all_fail),
        ("acknowledged orders", len(acked)), ("acknowledged orders lost", len(lost)),
        ("orders in the database never acknowledged", len(unacked)),
        ("orders whose state differs from the last acknowledged one", len(wrong_state)),
        ("orders or reservations in an illegal state", len(illegal_orders) + len(illegal_res)),
        ("reservations inconsistent with their order", len(bad_holds)),
        ("oversold units (clients' records)", oversold_clients),
        ("oversold units (database)", oversold_db),
        ("orders without their order.created event", len(events_missing)),
        ("order.created events duplicated", len(events_twice)),
        ("state changes without their event, or duplicated",
         len(changed_missing) + len(changed_twice)),
        ("stock balance (on hand + shipped = supply; held; sold)", balance),
        ("units sold per SKU (of %s)" % " ".join("%d" % supply[s] for s in SKUS),
         " ".join("%s=%d" % kv for kv in sorted(sold.items()))),
    ]
    problems = ["a client stopped: " + msg for msg in c["errors"]]
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
    if oversold_clients or oversold_db:
        problems.append("oversold")
    if balance != "ok":
        problems.append("stock balance " + balance)
    return figures, problems


def print_figures(figures):
    for k, v in figures:
        print("  %-58s %s" % (k, v))


def finish(problems):
    for p in problems:
        print("FAIL " + p)
    print("ha: %s" % ("all targets met" if not problems else "%d targets missed" % len(problems)))
    return 1 if problems else 0


def load_records(directory):
    with open(os.path.join(directory, "clients.json")) as f:
        c = json.load(f)
    phases = {}
    with open(os.path.join(directory, "phases")) as f:
        for line in f:
            k, v = line.split()
            phases[k] = float(v)
    return c, phases


def audit(directory):
    """run.sh: one PostgreSQL, a SIGKILL and a rolling restart of ecomd."""
    c, phases = load_records(directory)
    port = pgtemp.port_of(directory)
    figures, problems = audit_store(
        c, lambda sql: psql_rows(pgtemp.uri(port, db="ecom"), sql), supply_of(directory))
    print_figures(figures)
    kill_fail, kill_n = share(c["attempts"], phases["kill"] - 1, phases["kill_ready"] + 2)
    roll_fail, roll_n = share(c["attempts"], phases["roll_start"], phases["roll_end"])
    kill_pct = 100.0 * kill_fail / max(kill_n, 1)
    kill_sales = sales(c["attempts"], phases["kill"] - 1, phases["kill_ready"] + 2)
    roll_sales = sales(c["attempts"], phases["roll_start"], phases["roll_end"])
    print("  %-58s %d of %d (%.2f%%)" % ("failed requests around the SIGKILL", kill_fail, kill_n,
                                        kill_pct))
    print("  %-58s %d of %d" % ("failed requests during the rolling restart", roll_fail, roll_n))
    print("  %-58s %d, %d" % ("checkouts acknowledged around the SIGKILL, during the restart",
                               kill_sales, roll_sales))
    if not kill_sales or not roll_sales:
        problems.append("no checkout succeeded while instances died (stock sold out too early)")
    if kill_pct > 1.0:
        problems.append("more than 1% failed requests around the SIGKILL")
    if roll_fail:
        problems.append("failed requests during the rolling restart")
    return finish(problems)


if __name__ == "__main__":
    if sys.argv[1] == "fixtures":
        units = int(sys.argv[4]) if len(sys.argv) > 4 else UNITS_PER_LOCATION
        write_fixtures(sys.argv[2], sys.argv[3], {s: units for s in SKUS})
    elif sys.argv[1] == "drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else CLIENTS)
    else:
        sys.exit(audit(sys.argv[2]))
