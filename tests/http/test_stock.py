"""test_stock.py - stock levels, reservations, idempotency keys, the outbox,
concurrency without oversell, and durability across SIGKILL."""
import os
import random
import signal
import threading
import time

from ecomd_harness import Server, check, eq, keygen, undo_lists_migration


def set_stock(s, sku, loc, on_hand, key=None, **extra):
    body = dict(on_hand=on_hand, **extra)
    r = s.request("PUT", "/v1/stock/%s/%s" % (sku, loc), body, key=key)
    eq(r.status, 200, "set %s/%s: %s" % (sku, loc, r.body))
    return r.json()


def reserve(s, lines, idem, ttl=60, key=None, **extra):
    body = dict(lines=[{"sku": k, "quantity": q} for k, q in lines], ttl_seconds=ttl, **extra)
    return s.request("POST", "/v1/reservations", body, headers={"Idempotency-Key": idem}, key=key)


def available(s, sku):
    r = s.request("GET", "/v1/stock/" + sku)
    eq(r.status, 200, "get stock")
    return r.json()["available"]


def test_stock_set_and_get():
    with Server() as s:
        eq(set_stock(s, "SHOE-1", "berlin", 5), {"sku": "SHOE-1", "location": "berlin", "on_hand": 5,
                                                  "safety_stock": 0, "backorder_limit": 0}, "set")
        set_stock(s, "SHOE-1", "hamburg", 4, safety_stock=1, backorder_limit=2)
        r = s.request("GET", "/v1/stock/SHOE-1").json()
        eq(r["available"], 5 + 5, "sum over locations")
        eq([(l["location"], l["available"]) for l in r["locations"]], [("berlin", 5), ("hamburg", 5)],
           "per location, by name")
        eq(r["locations"][1]["safety_stock"], 1, "levels shown")
        eq(s.request("GET", "/v1/stock/NONE").json(), {"sku": "NONE", "available": 0, "locations": []},
           "unknown SKU has nothing")
        r = s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": -1})
        eq((r.status, r.json()["error"]["field"]), (400, "on_hand"), "negative on_hand")
        r = s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 1, "colour": "red"})
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_field"), "unknown key")
        r = s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 1, "sku": "X"})
        eq((r.status, r.json()["error"]["field"]), (400, "sku"), "sku comes from the path")
        r = s.request("PUT", "/v1/stock/SHOE-1/berlin", "[1]")
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_json"), "not an object")
        r = s.request("PUT", "/v1/stock/SHOE%2F1/ber%20lin", {"on_hand": 3})
        eq(r.json()["sku"], "SHOE/1", "percent-decoded path parameters")
        eq(r.json()["location"], "ber lin", "location decoded")
        eq(s.request("GET", "/v1/stock/A%0AB").status, 404, "control characters refused")
        ev = s.request("GET", "/v1/events").json()["events"]
        changed = [e["data"] for e in ev if e["type"] == "stock.changed"]
        eq(len(changed), 3, "one stock.changed per successful set")
        eq(changed[0]["on_hand"], 5, "event data")


def test_reservation_lifecycle():
    with Server() as s:
        set_stock(s, "A", "berlin", 5)
        set_stock(s, "A", "hamburg", 2)
        set_stock(s, "B", "berlin", 1)
        r = reserve(s, [("A", 6)], "k1")
        eq(r.status, 201, "reserved")
        res = r.json()
        eq(r.header("Location"), "/v1/reservations/" + res["id"], "Location")
        check(res["id"].startswith("res_"), "generated id")
        eq((res["status"], res["duplicate"]), ("active", False), "active")
        eq(res["lines"], [{"sku": "A", "location": "berlin", "quantity": 5},
                          {"sku": "A", "location": "hamburg", "quantity": 1}], "priority placement")
        eq(available(s, "A"), 1, "held")
        # all or nothing
        r = reserve(s, [("B", 1), ("A", 2)], "k2")
        eq(r.status, 409, "A is short")
        err = r.json()["error"]
        eq((err["code"], err["sku"], err["requested"], err["available"]),
           ("insufficient_stock", "A", 2, 1), "shortage named")
        eq(available(s, "B"), 1, "B untouched")
        got = s.request("GET", "/v1/reservations/" + res["id"]).json()
        eq((got["id"], got["status"]), (res["id"], "active"), "get")
        r = s.request("POST", "/v1/reservations/%s/release" % res["id"])
        eq((r.status, r.json()["status"]), (200, "released"), "released")
        eq(available(s, "A"), 7, "stock back")
        r = s.request("POST", "/v1/reservations/%s/release" % res["id"])
        eq((r.status, r.json()["duplicate"]), (200, True), "release again is a no-op")
        r = s.request("POST", "/v1/reservations/nope/release")
        eq((r.status, r.json()["error"]["code"]), (404, "not_found"), "unknown release")
        eq(s.request("GET", "/v1/reservations/nope").status, 404, "unknown get")
        # a client-chosen id: same lines again -> duplicate, other lines -> conflict
        eq(reserve(s, [("A", 1)], "k3", id="mine").status, 201, "own id")
        r = reserve(s, [("A", 1)], "k4", id="mine")
        eq((r.status, r.json()["duplicate"]), (200, True), "same id and lines")
        r = reserve(s, [("A", 2)], "k5", id="mine")
        eq((r.status, r.json()["error"]["code"]), (409, "idempotency_conflict"), "same id, other lines")
        # a released reservation keeps its id: reusing it is a duplicate, not a new hold
        eq(s.request("POST", "/v1/reservations/mine/release").status, 200, "release mine")
        before = available(s, "A")
        r = reserve(s, [("A", 1)], "k6", id="mine")
        eq((r.status, r.json()["duplicate"], r.json()["status"]), (200, True, "released"), "no resurrection")
        eq(available(s, "A"), before, "nothing held again")
        r = reserve(s, [("A", 1)], "k7", id="x" * 129)
        eq((r.status, r.json()["error"]["field"]), (400, "id"), "an id is 1 to 128 bytes")
        metrics = s.request("GET", "/metrics").body.decode()
        check('ecomd_reservations_total{result="reserved"} 2' in metrics, "reserved counter")
        check('ecomd_reservations_total{result="insufficient_stock"} 1' in metrics, "short counter")


def test_idempotency_keys():
    with Server() as s:
        set_stock(s, "A", "berlin", 10)
        r = s.request("POST", "/v1/reservations", {"lines": [{"sku": "A", "quantity": 1}],
                                                   "ttl_seconds": 60})
        eq((r.status, r.json()["error"]["field"]), (400, "Idempotency-Key"), "key required")
        r = reserve(s, [("A", 1)], "bad key with spaces")
        eq(r.status, 400, "malformed key")
        first = reserve(s, [("A", 3)], "same")
        eq(first.status, 201, "first")
        again = reserve(s, [("A", 3)], "same")
        eq((again.status, again.body), (201, first.body), "replayed byte for byte")
        eq(again.header("Idempotent-Replayed"), "true", "marked as replay")
        eq(available(s, "A"), 7, "reserved once")
        r = reserve(s, [("A", 4)], "same")
        eq((r.status, r.json()["error"]["code"]), (409, "idempotency_conflict"), "other body")
        short = reserve(s, [("A", 100)], "short")
        eq(short.status, 409, "refused")
        set_stock(s, "A", "berlin", 1000)
        eq(reserve(s, [("A", 100)], "short").body, short.body, "a refusal is replayed too")


def test_idempotency_keys_scoped_by_api_key():
    admin, admin_line = keygen("ops", "admin")
    c1, l1 = keygen("shop1", "client")
    c2, l2 = keygen("shop2", "client")
    with Server(keys=[admin_line, l1, l2]) as s:
        eq(s.request("PUT", "/v1/stock/A/x", {"on_hand": 5}, key=c1).status, 403, "clients cannot set")
        set_stock(s, "A", "x", 5, key=admin)
        eq(reserve(s, [("A", 1)], "k", key=c1).status, 201, "client 1")
        eq(reserve(s, [("A", 2)], "k", key=c2).status, 201, "client 2, same key, own scope")
        eq(available(s, "A") if False else s.request("GET", "/v1/stock/A", key=c1).json()["available"],
           2, "both reserved")


def test_lazy_expiry():
    # The sweeper waits a minute here, so only lazy expiry can free the stock.
    with Server(args=["--poll-ms", "60000"]) as s:
        set_stock(s, "A", "berlin", 2)
        r = reserve(s, [("A", 2)], "k1", ttl=1)
        eq(r.status, 201, "reserved")
        eq(reserve(s, [("A", 1)], "k2").status, 409, "all held")
        time.sleep(1.2)
        eq(s.sql("SELECT status FROM reservations"), [("active",)], "not swept")
        eq(available(s, "A"), 2, "expired reservation holds nothing")
        eq(s.request("GET", "/v1/reservations/" + r.json()["id"]).json()["status"], "expired",
           "reported expired")
        eq(reserve(s, [("A", 2)], "k3").status, 201, "stock reusable")
        eq(reserve(s, [("A", 1)], "k4").status, 409, "and held again")
        eq(held_out_of_step(s), [], "held in step")


def hammer(servers, n, sku, results):
    barrier = threading.Barrier(n)

    def one(i):
        s = servers[i % len(servers)]
        barrier.wait()
        for attempt in range(20):
            r = reserve(s, [(sku, 1)], "c-%d" % i)
            if r.status != 503:
                break
            time.sleep(0.05)
        results[i] = r.status

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def test_concurrent_reservations_never_oversell():
    with Server(args=["--threads", "4"]) as s:
        set_stock(s, "HOT", "a", 15)
        set_stock(s, "HOT", "b", 10)
        results = [None] * 60
        hammer([s], 60, "HOT", results)
        eq(results.count(201), 25, "exactly the stock was reserved: %r" % results)
        eq(results.count(409), 35, "the rest refused cleanly")
        eq(available(s, "HOT"), 0, "nothing left")


def test_two_instances_one_store():
    with Server() as a:
        with Server(directory=a.dir, rules=None, store="sqlite:" + os.path.join(a.dir, "ecom.db")) as b:
            set_stock(a, "HOT", "a", 20)
            results = [None] * 50
            hammer([a, b], 50, "HOT", results)
            eq(results.count(201), 20, "no oversell across instances: %r" % results)
            eq(results.count(409), 30, "clean refusals")
            eq(available(b, "HOT"), 0, "b sees a's writes")


def test_acknowledged_writes_survive_sigkill():
    s = Server()
    try:
        set_stock(s, "A", "x", 100)
        ids = []
        for i in range(20):
            r = reserve(s, [("A", 1)], "k%d" % i)
            eq(r.status, 201, "reserve %d" % i)
            ids.append(r.json()["id"])
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait(10)
        with Server(directory=s.dir, rules=None, store="sqlite:" + os.path.join(s.dir, "ecom.db")) as t:
            for rid in ids:
                eq(t.request("GET", "/v1/reservations/" + rid).status, 200, "kept " + rid)
            eq(available(t, "A"), 80, "holds survive")
            eq(reserve(t, [("A", 1)], "k0").header("Idempotent-Replayed"), "true",
               "idempotency keys survive")
    finally:
        s.cleanup()


def test_stock_seed_file_adds_only_missing_entries():
    seed = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "stock.json")
    with Server(args=["--stock", seed]) as s:
        view = s.request("GET", "/v1/stock/SHOE-1").json()
        eq(view["available"], 40 - 2 + 15, "seeded")
        set_stock(s, "SHOE-1", "berlin", 1)
        eq(s.stop(), 0, "stopped")
        with Server(directory=s.dir, rules=None, args=["--stock", seed],
                    store="sqlite:" + os.path.join(s.dir, "ecom.db")) as t:
            eq(t.request("GET", "/v1/stock/SHOE-1").json()["locations"][0]["on_hand"], 1,
               "a restart does not undo a change")
            eq(available(t, "HAT-5"), 25, "others seeded once")


def held_out_of_step(s):
    """Stock rows whose held count differs from what the active and committed
    reservations hold there (the store keeps the count on every write)."""
    return s.sql(
        "SELECT s.sku, s.location, s.held,"
        " coalesce(sum(l.quantity - l.shipped - l.released), 0) FROM stock s"
        " LEFT JOIN reservation_lines l ON l.sku = s.sku AND l.location = s.location"
        " AND l.reservation_id IN (SELECT id FROM reservations"
        "  WHERE status IN ('active', 'committed'))"
        " GROUP BY s.sku, s.location, s.held"
        " HAVING s.held <> coalesce(sum(l.quantity - l.shipped - l.released), 0)")


def test_held_counts_follow_every_write():
    from test_orders import cart, checkout, event
    rng = random.Random(7)
    skus, locs = ["A", "B", "C"], ["berlin", "paris"]
    with Server(args=["--payment-ttl", "1"]) as s:
        rules = s.request("GET", "/v1/rules").json()
        rules["products"] += [{"sku": k, "prices": {"EUR": "5.00"}} for k in skus]
        eq(s.request("PUT", "/v1/rules", rules).status, 200, "rules")
        for k in skus:
            for loc in locs:
                set_stock(s, k, loc, 40)
        reservations, orders = [], []
        for i in range(240):
            lines = [(k, rng.randint(1, 3)) for k in rng.sample(skus, rng.randint(1, 2))]
            op = rng.choice(["reserve", "reserve", "release", "checkout", "cancel", "ship"])
            if op == "reserve":
                r = reserve(s, lines, "r%d" % i, ttl=rng.choice([1, 60]))
                check(r.status in (201, 409), "reserve: %s" % r.body)
                if r.status == 201:
                    reservations.append(r.json()["id"])
            elif op == "release" and reservations:
                rid = reservations.pop(rng.randrange(len(reservations)))
                r = s.request("POST", "/v1/reservations/%s/release" % rid)
                check(r.status in (200, 409), "release: %s" % r.body)
            elif op == "checkout":
                r = checkout(s, cart(s, lines)["id"], "c%d" % i)
                check(r.status in (201, 409), "checkout: %s" % r.body)
                if r.status == 201:
                    orders.append(r.json())
            elif op in ("cancel", "ship") and orders:
                o = orders.pop(rng.randrange(len(orders)))
                if op == "ship":
                    line = o["lines"][0]
                    eq(event(s, o["id"], "p", "capture").status in (200, 409), True, "paid")
                    r = event(s, o["id"], "f", "fulfill", lines=[
                        {"sku": line["sku"], "quantity": rng.randint(1, line["quantity"])}])
                    if r.status == 200 and rng.random() < 0.5:
                        r = event(s, o["id"], "x", "cancel")
                else:
                    r = event(s, o["id"], "x", "cancel")
                check(r.status in (200, 400, 409), "%s: %s" % (op, r.body))
            if i == 120:
                time.sleep(1.2)  # the 1 s reservations lapse, unswept for a moment
            if i % 40 == 0:
                eq(held_out_of_step(s), [], "held in step after %d operations" % i)
        eq(held_out_of_step(s), [], "held in step")
        time.sleep(1.5)  # the sweeper expires lapsed reservations and unpaid orders
        deadline = time.time() + 5
        lapsed = "SELECT count(*) FROM reservations WHERE status = 'active' AND expires_at <= %d"
        while s.sql(lapsed % (time.time() * 1e6)) != [("0",)]:
            check(time.time() < deadline, "sweeper expired every lapsed reservation")
            time.sleep(0.1)
        eq(held_out_of_step(s), [], "held in step after the sweeper")
        for k in skus:
            on_hand = sum(l["on_hand"] for l in s.request("GET", "/v1/stock/" + k).json()["locations"])
            eq(available(s, k), on_hand - sum(int(q) for (q,) in s.sql(
                "SELECT coalesce(sum(l.quantity - l.shipped - l.released), 0)"
                " FROM reservation_lines l JOIN reservations r"
                " ON r.id = l.reservation_id WHERE r.status IN ('active', 'committed')"
                " AND l.sku = '%s'" % k)),
               "available %s" % k)


def test_migration_counts_what_reservations_hold():
    """A store from before the held counts gets them from its reservations."""
    with Server() as s:
        set_stock(s, "A", "berlin", 10)
        set_stock(s, "A", "paris", 10)
        eq(reserve(s, [("A", 14)], "m1").status, 201, "reserved over two locations")
        eq(reserve(s, [("A", 2)], "m2").status, 201, "reserved")
        rid = reserve(s, [("A", 1)], "m3").json()["id"]
        eq(s.request("POST", "/v1/reservations/%s/release" % rid).status, 200, "released")
        s.stop()
        # Back to schema 4: without migration 5 (held), 6 (an index), 7
        # (the progress of reservation lines), 8 (promotion counts), 9 (the
        # relay's tables), the lists' migration and the regions'.
        undo_lists_migration(s)
        s.sql("DROP TABLE relay_positions")
        s.sql("DROP TABLE relay_leases")
        for table in ("customer_promotion_uses", "coupon_uses", "promotion_spent",
                      "order_promotion_uses"):
            s.sql("DROP TABLE " + table)
        s.sql("ALTER TABLE stock DROP COLUMN held")
        s.sql("DROP INDEX idempotency_created")
        for column in ("position", "shipped", "released", "returned"):
            s.sql("ALTER TABLE reservation_lines DROP COLUMN " + column)
        s.sql("DELETE FROM schema_version WHERE version >= 5")
        with Server(directory=s.dir) as again:
            eq(sorted(again.sql("SELECT location, held FROM stock")),
               [("berlin", "10"), ("paris", "6")], "held from the active reservations")
            eq(held_out_of_step(again), [], "held in step")
            eq(available(again, "A"), 4, "available")
