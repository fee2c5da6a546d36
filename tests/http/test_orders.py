"""test_orders.py - checkout, order events with their stock, payment and
promotion effects, the sweeper, and 200 concurrent checkouts for 50 units."""
import threading
import time
from decimal import Decimal

from ecomd_harness import Server, check, eq, second_instance


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


def events(s, kind):
    return [e["data"] for e in s.request("GET", "/v1/events?limit=1000").json()["events"]
            if e["type"] == kind]


def cents(text):
    return int(Decimal(text) * 100)


def share(line, n):
    """What the first n units of a line are worth: floor(total * n / q)."""
    return cents(line["total"]) * n // line["quantity"]


def test_checkout():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 3)
        stock(s, "SOCK-3", "berlin", 10)
        c = cart(s, [("SHOE-1", 2), ("SOCK-3", 1), ("SHOE-1", 1)])
        eq(checkout(s, c["id"], None).status, 400, "Idempotency-Key required")
        r = checkout(s, c["id"], "co-1")
        eq(r.status, 201, "checkout: %s" % r.body)
        order = r.json()
        eq((order["state"], order["version"]), ("pending_payment", 1), "pending")
        eq([(l["sku"], l["quantity"]) for l in order["lines"]],
           [("SHOE-1", 2), ("SOCK-3", 1), ("SHOE-1", 1)], "one line per cart line")
        eq([l["total"] for l in order["lines"]], [l["total"] for l in c["pricing"]["lines"]],
           "every line's amounts from the price")
        eq(order["total"], c["pricing"]["total"], "same as the cart's price")
        eq((order["balance"], order["payment"]["amount_due"], order["payment"]["status"],
            order["fulfillment"]), (order["total"], order["total"], "unpaid", "unfulfilled"), "money")
        eq(r.header("ETag"), '"1"', "etag")
        eq((available(s, "SHOE-1"), on_hand(s, "SHOE-1")), (0, 3), "committed, not shipped")
        again = checkout(s, c["id"], "co-1")
        eq((again.status, again.body), (201, r.body), "replayed")
        r2 = checkout(s, c["id"], "co-2")
        eq((r2.status, r2.json()["error"]["code"]), (409, "invalid_transition"), "cart used once")
        g = s.request("GET", "/v1/orders/" + order["id"])
        eq((g.status, g.json()), (200, order), "get")
        eq(s.request("GET", "/v1/orders/nope").status, 404, "unknown order")
        created = events(s, "order.created")
        eq(len(created), 1, "one order.created")
        eq((created[0]["id"], created[0]["cart_id"], created[0]["order"]), (order["id"], c["id"], order),
           "the event carries the order")


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
        for body in ({"cart": "x"}, {"cart_id": "x", "more": 1}, {"cart_id": 7}):
            eq(s.request("POST", "/v1/orders", body, headers={"Idempotency-Key": "k4"}).status, 400,
               "bad body %r" % body)
        r = s.request("POST", "/v1/orders", b'{"cart_id":"a","cart_id":"b"}',
                      headers={"Idempotency-Key": "k5"})
        eq((r.status, r.json()["error"]["field"]), (400, "cart_id"), "a key twice")
        stock(s, "SHOE-1", "berlin", 5)
        eq(checkout(s, c["id"], "k6").status, 201, "then it works")


def test_partial_shipments_captured_one_by_one():
    """Authorize the whole; ship and capture per parcel; cancel the rest:
    its value comes due for a refund, as an outbox event for the payment
    service; the refund is then recorded."""
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 2)
        stock(s, "SHOE-1", "hamburg", 2)
        stock(s, "SOCK-3", "berlin", 5)
        order = checkout(s, cart(s, [("SHOE-1", 3), ("SOCK-3", 2)])["id"], "k").json()
        oid, shoes, socks = order["id"], order["lines"][0], order["lines"][1]
        r = event(s, oid, "e1", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}])
        eq((r.status, r.json()["error"]["code"]), (409, "invalid_transition"), "not paid yet")
        r = event(s, oid, "e1", "authorize", amount=order["total"])
        eq((r.status, r.json()["order"]["state"], r.json()["order"]["payment"]["status"]),
           (200, "processing", "authorized"), "authorized")
        eq(r.header("ETag"), '"2"', "etag")
        r = event(s, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 2}])
        eq(r.json()["effects"], [{"type": "ship_stock", "lines": [{"sku": "SHOE-1", "quantity": 2}]}],
           "ship effect")
        eq((on_hand(s, "SHOE-1"), available(s, "SHOE-1")), (2, 1), "two shoes left, one still held")
        first = "%.2f" % (share(shoes, 2) / 100)
        r = event(s, oid, "e3", "capture", amount=first)
        eq((r.status, r.json()["order"]["payment"]["captured"]), (200, first), "first parcel captured")
        r = event(s, oid, "e4", "capture", amount="99999.00")
        eq((r.status, r.json()["error"]["code"], r.json()["error"]["field"]),
           (400, "invalid_field", "amount"), "over-capture refused")
        r = event(s, oid, "e5", "cancel")
        eq(r.status, 200, "cancel the rest: %s" % r.body)
        o = r.json()["order"]
        left = (cents(shoes["total"]) - share(shoes, 2)) + cents(socks["total"])
        eq(r.json()["effects"],
           [{"type": "release_stock", "lines": [{"sku": "SHOE-1", "quantity": 1},
                                                {"sku": "SOCK-3", "quantity": 2}]},
            {"type": "void_payment", "amount": "%.2f" % (left / 100)}], "release and void")
        eq((o["balance"], o["payment"]["status"], o["fulfillment"]), (first, "paid", "fulfilled"),
           "what stays is what shipped")
        eq((available(s, "SHOE-1"), available(s, "SOCK-3")), (2, 5), "released")
        eq(event(s, oid, "e6", "void").json()["order"]["payment"]["authorized"], first, "void recorded")
        voids = events(s, "payment.void_requested")
        eq([(v["order_id"], v["amount"], v["currency"]) for v in voids],
           [(oid, "%.2f" % (left / 100), "EUR")], "void requested from the payment service")
        eq(event(s, oid, "e7", "deliver").json()["order"]["state"], "delivered", "delivered")
        eq(event(s, oid, "e8", "complete").json()["order"]["state"], "completed", "completed")
        changed = events(s, "order.state_changed")
        eq([d["event"] for d in changed],
           ["authorize", "fulfill", "capture", "cancel", "void", "deliver", "complete"],
           "one state change event per applied event")
        eq(changed[3]["effects"][1]["type"], "void_payment", "effects published")


def test_cancel_of_the_rest_after_capture_refunds_it():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 5)
        order = checkout(s, cart(s, [("SHOE-1", 3)])["id"], "k").json()
        oid, line = order["id"], order["lines"][0]
        eq(event(s, oid, "e1", "capture").json()["order"]["payment"]["status"], "paid", "sale")
        eq(event(s, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}]).status, 200, "one")
        r = event(s, oid, "e3", "cancel")
        due = "%.2f" % ((cents(line["total"]) - share(line, 1)) / 100)
        eq(r.json()["effects"][-1], {"type": "refund_payment", "amount": due}, "refund effect")
        eq(r.json()["order"]["payment"]["refund_due"], due, "refund due")
        eq([(d["order_id"], d["amount"]) for d in events(s, "payment.refund_requested")], [(oid, due)],
           "refund requested in the outbox")
        r = event(s, oid, "e4", "refund")
        eq((r.json()["order"]["payment"]["refunded"], r.json()["order"]["payment"]["status"]),
           (due, "paid"), "refund of what was due")
        eq(on_hand(s, "SHOE-1"), 4, "one left the building")


def test_returns_with_a_fee_and_refunds():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 5)
        order = checkout(s, cart(s, [("SHOE-1", 3)])["id"], "k").json()
        oid, line = order["id"], order["lines"][0]
        eq(event(s, oid, "e1", "capture").status, 200, "paid")
        eq(event(s, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 3}]).status, 200, "shipped")
        eq(on_hand(s, "SHOE-1"), 2, "three left")
        eq(event(s, oid, "e3", "deliver").status, 200, "delivered")
        r = event(s, oid, "e4", "return", lines=[{"sku": "SHOE-1", "quantity": 1}], fee="2.00")
        first = share(line, 1) - 200
        eq(r.json()["effects"], [{"type": "restock", "lines": [{"sku": "SHOE-1", "quantity": 1}]},
                                 {"type": "refund_payment", "amount": "%.2f" % (first / 100)}],
           "first return")
        eq(on_hand(s, "SHOE-1"), 3, "restocked")
        eq(event(s, oid, "e5", "refund").status, 200, "refunded")
        r = event(s, oid, "e6", "return", lines=[{"sku": "SHOE-1", "quantity": 2}], fee="1.00")
        second = cents(line["total"]) - share(line, 1) - 100
        eq(r.json()["effects"][1]["amount"], "%.2f" % (second / 100), "second return")
        r = event(s, oid, "e7", "return", lines=[{"sku": "SHOE-1", "quantity": 1}])
        eq((r.status, r.json()["error"]["field"]), (400, "lines[0].quantity"), "nothing left to return")
        o = event(s, oid, "e8", "refund").json()["order"]
        eq((o["balance"], o["payment"]["refunded"], o["payment"]["status"]),
           ("3.00", "%.2f" % ((first + second) / 100), "paid"), "the fees stay")
        eq(on_hand(s, "SHOE-1"), 5, "all back")
        eq(len(events(s, "payment.refund_requested")), 2, "two refunds requested")


def test_cancel_before_shipping_gives_the_promotion_uses_back():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 10)
        order = checkout(s, cart(s, [("SHOE-1", 1)], coupons=["WELCOME5"])["id"], "k").json()
        eq([p["id"] for p in order["promotions"]].count("WELCOME5"), 1, "the coupon applied")
        eq(s_uses(s), 1, "one use counted")
        r = event(s, order["id"], "e1", "cancel")
        eq((r.json()["order"]["state"], r.json()["order"]["fulfillment"]), ("canceled", "canceled"),
           "canceled")
        eq(s_uses(s), 0, "the use came back")
        eq(available(s, "SHOE-1"), 10, "released")
        shipped = checkout(s, cart(s, [("SHOE-1", 2)], coupons=["WELCOME5"])["id"], "k2").json()
        eq(event(s, shipped["id"], "e1", "capture").status, 200, "paid")
        eq(event(s, shipped["id"], "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}]).status,
           200, "one shipped")
        eq(event(s, shipped["id"], "e3", "cancel").status, 200, "rest canceled")
        eq(s_uses(s), 1, "a shipped order keeps its use")


def test_versions_and_refusals():
    with Server() as s:
        stock(s, "SHOE-1", "berlin", 2)
        order = checkout(s, cart(s, [("SHOE-1", 2)])["id"], "k").json()
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
        eq(event(s, oid, "x", "capture").json()["duplicate"], True, "duplicate event id")
        eq(available(s, "SHOE-1"), 2, "released")
        r = event(s, oid, "y", "capture")
        eq(r.status, 409, "nothing to capture on a canceled order")
        r = event(s, oid, "z", "capture", bogus=1)
        eq((r.status, r.json()["error"]["code"], r.json()["error"]["field"]),
           (400, "invalid_field", "bogus"), "unknown key")
        r = s.request("POST", "/v1/orders/%s/events" % oid,
                      b'{"id":"z","type":"refund","expected_version":1e400}')
        eq((r.status, r.json()["error"]["field"]), (400, "expected_version"), "out of range")
        r = s.request("POST", "/v1/orders/%s/events" % oid, b'{"id":"z","type":"refund"} trailing')
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_json"), "trailing bytes")
        eq(event(s, "nope", "z", "capture").status, 404, "unknown order")


def test_sweeper_expires_unpaid_orders_and_reservations():
    with Server(args=["--payment-ttl", "1", "--poll-ms", "200"]) as s:
        stock(s, "SHOE-1", "berlin", 3)
        oid = checkout(s, cart(s, [("SHOE-1", 2)])["id"], "k").json()["id"]
        res = s.request("POST", "/v1/reservations", {"lines": [{"sku": "SHOE-1", "quantity": 1}],
                                                     "ttl_seconds": 1}, headers={"Idempotency-Key": "r"})
        eq(res.status, 201, "reserved")
        eq(available(s, "SHOE-1"), 0, "all held")
        deadline = time.time() + 5
        while s.request("GET", "/v1/orders/" + oid).json()["state"] != "canceled":
            check(time.time() < deadline, "order expired by the sweeper")
            time.sleep(0.1)
        order = s.request("GET", "/v1/orders/" + oid).json()
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
        eq(len(events(s, "order.created")), 50, "50 order.created events")


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
        order = checkout(s, first["id"], "k1").json()
        check("WELCOME5" in [p["id"] for p in order["promotions"]], "applied at checkout")
        second = cart(s, [("SHOE-1", 1)], coupons=["WELCOME5"])
        w = welcome(second["pricing"])
        eq((w["applied"], w.get("reason")), (False, "usage_limit_reached"), "limit reached for the next cart")
        order2 = checkout(s, second["id"], "k2").json()
        check("WELCOME5" not in [p["id"] for p in order2["promotions"]], "and at its checkout")
        check(order2["total"] != order["total"], "no discount the second time")


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
        with second_instance(a, ["--threads", "8"]) as b:
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
            applied = [r for r in results if "WELCOME5" in [p["id"] for p in r.json()["promotions"]]]
            eq(len(applied), 5, "the coupon spent exactly 5 times")
            eq(s_uses(a), 5, "count")


def s_uses(s):
    rows = s.sql("SELECT uses FROM promotion_uses WHERE promotion_id = 'WELCOME5'")
    return int(rows[0][0]) if rows else 0


def test_orders_survive_sigkill():
    s = Server()
    try:
        stock(s, "SHOE-1", "berlin", 5)
        oid = checkout(s, cart(s, [("SHOE-1", 2)])["id"], "k").json()["id"]
        eq(event(s, oid, "e1", "capture").status, 200, "paid")
        eq(event(s, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}]).status, 200, "shipped one")
        s.proc.send_signal(9)
        s.proc.wait(10)
        with Server(directory=s.dir, rules=None, store="sqlite:" + s.store_path()) as t:
            order = t.request("GET", "/v1/orders/" + oid).json()
            eq((order["state"], order["version"], order["fulfillment"]),
               ("processing", 3, "partially_fulfilled"), "order kept")
            eq((on_hand(t, "SHOE-1"), available(t, "SHOE-1")), (4, 3), "stock kept")
            eq(event(t, oid, "e2", "fulfill", lines=[{"sku": "SHOE-1", "quantity": 1}]).json()["duplicate"],
               True, "history kept")
    finally:
        s.cleanup()
