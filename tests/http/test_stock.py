"""test_stock.py - stock levels, reservations, idempotency keys, the outbox,
concurrency without oversell, and durability across SIGKILL."""
import os
import signal
import threading
import time

from ecomd_harness import Server, check, eq, keygen


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
        r = reserve(s, [("A", 1)], "k7", id="~held~0")
        eq((r.status, r.json()["error"]["field"]), (400, "id"), "reserved id prefix")
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
    with Server() as s:
        set_stock(s, "A", "berlin", 2)
        r = reserve(s, [("A", 2)], "k1", ttl=1)
        eq(r.status, 201, "reserved")
        eq(reserve(s, [("A", 1)], "k2").status, 409, "all held")
        time.sleep(1.2)
        eq(available(s, "A"), 2, "expired reservation holds nothing")
        eq(s.request("GET", "/v1/reservations/" + r.json()["id"]).json()["status"], "expired",
           "reported expired")
        eq(reserve(s, [("A", 2)], "k3").status, 201, "stock reusable")


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
