"""test_orders.py - checkout, order events with their stock effects, the
sweeper, and 200 concurrent checkouts for 50 units."""
import os
import threading
import time

from ecomd_harness import Server, check, eq


def stock(s, sku, loc, n):
    eq(s.request("PUT", "/v1/stock/%s/%s" % (sku, loc), {"on_hand": n}).status, 200, "stock")


def on_hand(s, sku):
    return sum(l["on_hand"] for l in s.request("GET", "/v1/stock/" + sku).json()["locations"])


def available(s, sku):
    return s.request("GET", "/v1/stock/" + sku).json()["available"]


def cart(s, lines, coupons=()):
    r = s.request("POST", "/v1/carts", {"currency": "EUR", "country": "DE", "customer_group": "retail",
                                        "channel": "web", "coupons": list(coupons),
                                        "lines": [{"sku": k, "quantity": q} for k, q in lines]})
    eq(r.status, 201, "cart: %s" % r.body)
    return r.json()


def checkout(s, cart_id, key):
    headers = {"Idempotency-Key": key} if key else {}
    return s.request("POST", "/v1/orders", {"cart_id": cart_id}, headers=headers)


def event(s, oid, eid, etype, **extra):
    body = dict(id=eid, type=etype, **extra)
    return s.request("POST", "/v1/orders/%s/events" % oid, body)


def test_checkout():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 3)
        stock(s, "SOCK-3", "berlin", 10)
        c = cart(s, [("SHOE-1", 2), ("SOCK-3", 1), ("SHOE-1", 1)])
        eq(checkout(s, c["id"], None).status, 400, "Idempotency-Key required")
        r = checkout(s, c["id"], "co-1")
        eq(r.status, 201, "checkout: %s" % r.body)
        env = r.json()
        order = env["order"]
        eq((order["state"], order["version"]), ("pending_payment", 1), "pending")
        eq(order["lines"], [{"sku": "SHOE-1", "quantity": 3, "fulfilled": 0, "returned": 0},
                            {"sku": "SOCK-3", "quantity": 1, "fulfilled": 0, "returned": 0}],
           "one line per SKU")
        eq(order["total"], env["pricing"]["total"], "total from pricing")
        eq(order["total"], c["pricing"]["total"], "same as the cart's price")
        eq(env["cart_id"], c["id"], "cart id")
        check("shipped" not in env, "bookkeeping hidden")
        eq(r.header("ETag"), '"1"', "etag")
        eq((available(s, "SHOE-1"), on_hand(s, "SHOE-1")), (0, 3), "committed, not shipped")
        again = checkout(s, c["id"], "co-1")
        eq((again.status, again.body), (201, r.body), "replayed")
        r2 = checkout(s, c["id"], "co-2")
        eq((r2.status, r2.json()["error"]["code"]), (409, "invalid_transition"), "cart used once")
        g = s.request("GET", "/v1/orders/" + order["id"])
        eq((g.status, g.json()), (200, env), "get")
        eq(s.request("GET", "/v1/orders/nope").status, 404, "unknown order")
        ev = [e for e in s.request("GET", "/v1/events").json()["events"] if e["type"] == "order.created"]
        eq(len(ev), 1, "one order.created")
        eq(ev[0]["data"]["id"], order["id"], "event names the order")


def test_checkout_refusals_change_nothing():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 1)
        c = cart(s, [("SHOE-1", 2)])
        r = checkout(s, c["id"], "k1")
        eq(r.status, 409, "short")
        err = r.json()["error"]
        eq((err["code"], err["sku"], err["requested"], err["available"]),
           ("insufficient_stock", "SHOE-1", 2, 1), "shortage")
        eq(available(s, "SHOE-1"), 1, "nothing held")
        eq(s.request("GET", "/v1/events").json()["events"][-1]["type"], "stock.changed",
           "no order event")
        eq(checkout(s, "cart_none", "k2").status, 404, "unknown cart")
        empty = s.request("POST", "/v1/carts", {"currency": "EUR"}).json()
        eq(checkout(s, empty["id"], "k3").status, 400, "empty cart")
        eq(s.request("POST", "/v1/orders", {"cart": "x"}, headers={"Idempotency-Key": "k4"}).status,
           400, "bad body")
        stock(s, "SHOE-1", "berlin", 5)
        eq(checkout(s, c["id"], "k5").status, 201, "then it works")


def test_order_lifecycle_with_stock_effects():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 2)
        stock(s, "SHOE-1", "hamburg", 2)
        stock(s, "SOCK-3", "berlin", 5)
        c = cart(s, [("SHOE-1", 3), ("SOCK-3", 2)])
        order = checkout(s, c["id"], "k").json()["order"]
        oid = order["id"]
        r = event(s, oid, "e1", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}])
        eq((r.status, r.json()["error"]["code"]), (409, "invalid_transition"), "not paid yet")
        r = event(s, oid, "e1", "capture", amount=order["total"])
        eq((r.status, r.json()["order"]["state"]), (200, "paid"), "paid")
        eq(r.header("ETag"), '"2"', "etag")
        eq(event(s, oid, "e1", "capture").json()["duplicate"], True, "duplicate event id")
        r = event(s, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 2}])
        eq((r.status, r.json()["order"]["state"], r.json()["effects"]),
           (200, "partially_fulfilled", ["ship_stock"]), "partial")
        eq(on_hand(s, "SHOE-1"), 2, "two shoes left the building")
        eq(available(s, "SHOE-1"), 1, "2 left, the third of the order still held")
        eq(on_hand(s, "SOCK-3"), 5, "socks not shipped yet")
        eq(available(s, "SOCK-3"), 3, "socks held")
        r = event(s, oid, "e3", "fulfill")
        eq(r.json()["order"]["state"], "fulfilled", "rest shipped")
        eq((on_hand(s, "SHOE-1"), on_hand(s, "SOCK-3")), (1, 3), "all shipped")
        eq((available(s, "SHOE-1"), available(s, "SOCK-3")), (1, 3), "nothing held any more")
        eq(s.request("GET", "/v1/orders/" + oid).json()["reservation_id"], None, "no reservation left")
        eq(event(s, oid, "e4", "deliver").status, 200, "delivered")
        r = event(s, oid, "e5", "request_return", lines=[{"sku": "SHOE-1", "quantity": 2}])
        eq(r.json()["order"]["state"], "return_requested", "return requested")
        r = event(s, oid, "e6", "receive_return")
        eq((r.json()["order"]["state"], r.json()["effects"]), ("returned", ["restock"]), "returned")
        eq(on_hand(s, "SHOE-1"), 3, "returned shoes restocked")
        r = event(s, oid, "e7", "refund")
        eq((r.json()["order"]["state"], r.json()["order"]["payment"]["refunded"]),
           ("refunded", order["total"]), "refunded")
        changed = [e["data"] for e in s.request("GET", "/v1/events?limit=1000").json()["events"]
                   if e["type"] == "order.state_changed"]
        eq([d["event"] for d in changed],
           ["capture", "fulfill", "fulfill", "deliver", "request_return", "receive_return", "refund"],
           "one state change event per applied event")
        eq(changed[-1]["effects"], ["refund_payment"], "payment effects published")
        metrics = s.request("GET", "/metrics").body.decode()
        check('ecomd_orders_total{event="fulfill"} 2' in metrics, "orders metric")


def test_cancel_releases_and_versions():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 2)
        order = checkout(s, cart(s, [("SHOE-1", 2)])["id"], "k").json()["order"]
        oid = order["id"]
        eq(available(s, "SHOE-1"), 0, "held")
        r = event(s, oid, "x", "capture", expected_version=5)
        eq((r.status, r.json()["error"]["code"]), (409, "version_conflict"), "expected_version")
        r = s.request("POST", "/v1/orders/%s/events" % oid, {"id": "x", "type": "cancel"},
                      headers={"If-Match": '"7"'})
        eq(r.status, 412, "stale If-Match")
        r = s.request("POST", "/v1/orders/%s/events" % oid, {"id": "x", "type": "cancel"},
                      headers={"If-Match": '"1"'})
        eq((r.status, r.json()["order"]["state"]), (200, "canceled"), "canceled")
        eq(available(s, "SHOE-1"), 2, "released")
        r = event(s, oid, "y", "capture")
        eq(r.status, 409, "canceled is final")
        r = event(s, oid, "z", "capture", bogus=1)
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_field"), "unknown key")
        eq(event(s, "nope", "z", "capture").status, 404, "unknown order")


def test_sweeper_expires_unpaid_orders_and_reservations():
    with Server(args=["--payment-ttl", "1", "--poll-ms", "200"]) as s:
        stock(s, "SHOE-1", "berlin", 3)
        oid = checkout(s, cart(s, [("SHOE-1", 2)])["id"], "k").json()["order"]["id"]
        res = s.request("POST", "/v1/reservations", {"lines": [{"sku": "SHOE-1", "quantity": 1}],
                                                     "ttl_seconds": 1}, headers={"Idempotency-Key": "r"})
        eq(res.status, 201, "reserved")
        eq(available(s, "SHOE-1"), 0, "all held")
        deadline = time.time() + 5
        while s.request("GET", "/v1/orders/" + oid).json()["order"]["state"] != "canceled":
            check(time.time() < deadline, "order expired by the sweeper")
            time.sleep(0.1)
        order = s.request("GET", "/v1/orders/" + oid).json()["order"]
        eq(order["history"][-1]["event"], "expire", "expire event")
        eq(available(s, "SHOE-1"), 3, "stock released")
        deadline = time.time() + 3
        while not s.request("GET", "/metrics").body.decode().count('ecomd_reservations_total{result="expired"} 1'):
            check(time.time() < deadline, "reservation marked expired")
            time.sleep(0.1)
        eq(s.request("GET", "/v1/reservations/" + res.json()["id"]).json()["status"], "expired", "status")


def test_200_concurrent_checkouts_for_50_units():
    with Server(args=["--threads", "4"]) as s:
        stock(s, "HOT", "a", 30)
        stock(s, "HOT", "b", 20)
        rules = s.request("GET", "/v1/rules").json()
        rules["products"].append({"sku": "HOT", "prices": {"EUR": "10.00"}})
        eq(s.request("PUT", "/v1/rules", rules).status, 200, "rules with HOT")
        carts = [cart(s, [("HOT", 1)])["id"] for _ in range(200)]
        results = [None] * 200
        barrier = threading.Barrier(200)

        def one(i):
            barrier.wait()
            for _ in range(50):
                r = checkout(s, carts[i], "hot-%d" % i)
                if r.status != 503:
                    break
                time.sleep(0.05)
            results[i] = (r.status, r.json().get("error", {}).get("code"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(200)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        eq(sum(1 for r in results if r == (201, None)), 50, "exactly 50 orders")
        eq(sum(1 for r in results if r == (409, "insufficient_stock")), 150, "150 clean refusals")
        eq(available(s, "HOT"), 0, "sold out, not oversold")
        created = [e for e in s.request("GET", "/v1/events?limit=1000").json()["events"]
                   if e["type"] == "order.created"]
        eq(len(created), 50, "50 order.created events")


def test_promotion_uses_counted_at_checkout():
    with Server() as s:
        rules = s.request("GET", "/v1/rules").json()
        for p in rules["promotions"]:
            if p["id"] == "WELCOME5":
                p["usage_limit"] = 1
        eq(s.request("PUT", "/v1/rules", rules).status, 200, "limit 1")
        stock(s, "SHOE-1", "berlin", 10)

        def welcome(pricing):
            return [p for p in pricing["promotions"] if p["id"] == "WELCOME5"][0]

        first = cart(s, [("SHOE-1", 1)], coupons=["WELCOME5"])
        eq(welcome(first["pricing"])["applied"], True, "applies before any use")
        env = checkout(s, first["id"], "k1").json()
        eq(welcome(env["pricing"])["applied"], True, "applied at checkout")
        second = cart(s, [("SHOE-1", 1)], coupons=["WELCOME5"])
        w = welcome(second["pricing"])
        eq((w["applied"], w.get("reason")), (False, "usage_limit_reached"), "limit reached for the next cart")
        env2 = checkout(s, second["id"], "k2").json()
        eq(welcome(env2["pricing"])["applied"], False, "and at its checkout")
        check(env2["order"]["total"] != env["order"]["total"], "no discount the second time")


def test_usage_limit_holds_under_concurrent_checkouts():
    """40 checkouts at once with a coupon limited to 5 uses, over two
    instances of one store: exactly 5 orders get it, and the count says 5."""
    with Server(args=["--threads", "8"]) as a:
        rules = a.request("GET", "/v1/rules").json()
        for p in rules["promotions"]:
            if p["id"] == "WELCOME5":
                p["usage_limit"] = 5
        eq(a.request("PUT", "/v1/rules", rules).status, 200, "limit 5")
        stock(a, "SHOE-1", "berlin", 100)
        with Server(directory=a.dir, rules=None, args=["--threads", "8"],
                    store="sqlite:" + os.path.join(a.dir, "ecom.db")) as b:
            deadline = time.time() + 5
            while b.request("GET", "/v1/rules").header("ETag") != a.request("GET", "/v1/rules").header("ETag"):
                check(time.time() < deadline, "b has the new rules")
                time.sleep(0.1)
            carts = [cart(a, [("SHOE-1", 1)], coupons=["WELCOME5"])["id"] for _ in range(40)]
            results = [None] * 40
            barrier = threading.Barrier(40)

            def one(i):
                s = (a, b)[i % 2]
                barrier.wait()
                for _ in range(50):
                    r = checkout(s, carts[i], "lim-%d" % i)
                    if r.status != 503:
                        break
                    time.sleep(0.05)
                results[i] = r

            threads = [threading.Thread(target=one, args=(i,)) for i in range(40)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            eq([r.status for r in results], [201] * 40, "every checkout made an order")
            applied = [r for r in results
                       if [p for p in r.json()["pricing"]["promotions"] if p["id"] == "WELCOME5"][0]["applied"]]
            eq(len(applied), 5, "the coupon spent exactly 5 times")
            eq(s_uses(a), 5, "count")


def s_uses(s):
    rows = s.sql("SELECT uses FROM promotion_uses WHERE promotion_id = 'WELCOME5'")
    return int(rows[0][0]) if rows else 0


def test_orders_survive_sigkill():
    s = Server()
    try:
        stock(s, "SHOE-1", "berlin", 5)
        oid = checkout(s, cart(s, [("SHOE-1", 2)])["id"], "k").json()["order"]["id"]
        eq(event(s, oid, "e1", "capture").status, 200, "paid")
        eq(event(s, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}]).status, 200, "shipped one")
        s.proc.send_signal(9)
        s.proc.wait(10)
        with Server(directory=s.dir, rules=None, store="sqlite:" + s.store_path()) as t:
            order = t.request("GET", "/v1/orders/" + oid).json()["order"]
            eq((order["state"], order["version"]), ("partially_fulfilled", 3), "order kept")
            eq((on_hand(t, "SHOE-1"), available(t, "SHOE-1")), (4, 3), "stock kept")
            eq(event(t, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}]).json()["duplicate"],
               True, "history kept")
    finally:
        s.cleanup()
