"""test_promotion_limits.py - the limits a service counts, kept by ecomd:
uses per customer, uses of each coupon code, budgets; counted at checkout in
the checkout's transaction, exact under concurrent checkouts on two instances
of one store, and given back, exactly, by an order canceled before anything
shipped."""
import json
import threading
import time
from decimal import Decimal

from ecomd_harness import RULES, Server, check, eq, second_instance, undo_lists_migration

LIMITED = [
    {"id": "VIP", "coupon": "VIP", "usage_limit_per_customer": 1,
     "action": {"type": "percent_off", "percent": "10"}},
    {"id": "GIFT", "coupon": ["GIFT-A", "GIFT-B"], "code_usage_limit": 1,
     "action": {"type": "amount_off_order", "amount": "5.00"}},
    {"id": "LAUNCH", "coupon": "LAUNCH", "budget": "100.00",
     "action": {"type": "percent_off", "percent": "50"}},
]


def limited_rules():
    with open(RULES) as f:
        rules = json.load(f)
    rules["promotions"] = LIMITED
    return rules


def install(s):
    eq(s.request("PUT", "/v1/rules", limited_rules()).status, 200, "the limited rules")
    eq(s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 1000}).status, 200, "stock")


def cart(s, coupons, customer=None, quantity=1):
    body = {"currency": "EUR", "country": "DE", "coupons": coupons,
            "lines": [{"sku": "SHOE-1", "quantity": quantity}]}
    if customer:
        body["customer"] = customer
    r = s.request("POST", "/v1/carts", body)
    eq(r.status, 201, "cart: %s" % r.body)
    return r.json()


def outcome(pricing, pid):
    p = [p for p in pricing["promotions"] if p["id"] == pid][0]
    return p["applied"], p.get("reason")


def checkout(s, cart_id, key):
    for _ in range(100):  # 503 is "retry": a deadlock ended or the store was busy
        r = s.request("POST", "/v1/orders", {"cart_id": cart_id}, headers={"Idempotency-Key": key})
        if r.status != 503:
            return r
        time.sleep(0.05)
    return r


def taken(order, pid):
    return sum(Decimal(p["amount"]) for p in order["promotions"] if p["id"] == pid)


def cancel(s, order):
    r = s.request("POST", "/v1/orders/%s/events" % order["id"], {"id": "cancel-1", "type": "cancel"})
    eq((r.status, r.json()["order"]["fulfillment"]), (200, "canceled"), "canceled")


def count(s, sql):
    rows = s.sql(sql)
    return int(rows[0][0]) if rows else 0


def test_one_use_per_customer():
    with Server() as s:
        install(s)
        first = cart(s, ["VIP"], customer="alice")
        eq(outcome(first["pricing"], "VIP"), (True, None), "alice's first")
        order = checkout(s, first["id"], "a1").json()
        eq(taken(order, "VIP"), Decimal("5.99"), "10% of 59.90")
        again = cart(s, ["VIP"], customer="alice")
        eq(outcome(again["pricing"], "VIP"), (False, "customer_usage_limit_reached"), "not twice")
        eq(outcome(cart(s, ["VIP"], customer="bob")["pricing"], "VIP"), (True, None), "bob may")
        eq(outcome(cart(s, ["VIP"])["pricing"], "VIP"), (True, None), "a cart naming no customer")
        eq(count(s, "SELECT uses FROM customer_promotion_uses WHERE customer = 'alice'"), 1, "counted")
        cancel(s, order)
        eq(count(s, "SELECT uses FROM customer_promotion_uses WHERE customer = 'alice'"), 0, "given back")
        eq(outcome(cart(s, ["VIP"], customer="alice")["pricing"], "VIP"), (True, None), "alice again")


def test_one_use_per_code_in_any_case():
    with Server() as s:
        install(s)
        order = checkout(s, cart(s, ["gift-a"])["id"], "g1").json()
        eq(taken(order, "GIFT"), Decimal("5.00"), "the code applied")
        second = cart(s, ["GIFT-A", "GIFT-B"])
        eq(outcome(second["pricing"], "GIFT"), (True, None), "the other code of the list")
        eq([(c["code"], c["status"]) for c in second["pricing"]["coupons"]],
           [("GIFT-A", "not_applicable"), ("GIFT-B", "applied")], "GIFT-A is used up")
        eq(checkout(s, second["id"], "g2").status, 201, "checked out")
        eq(outcome(cart(s, ["Gift-B", "GIFT-A"])["pricing"], "GIFT"), (False, "coupon_used_up"),
           "both used up")
        cancel(s, order)
        eq(count(s, "SELECT uses FROM coupon_uses WHERE code = 'gift-a'"), 0, "gift-a given back")
        eq(outcome(cart(s, ["GIFT-A"])["pricing"], "GIFT"), (True, None), "usable again")


def test_budget_spent_exactly_over_two_instances():
    """30 checkouts at once over two instances, each worth 29.95 of a 100.00
    budget: the orders take exactly 100.00 between them (the last one the
    10.15 left), the store says 100.00, and a canceled order gives back
    exactly what it took."""
    with Server(args=["--threads", "8"]) as a:
        install(a)
        with second_instance(a, ["--threads", "8"]) as b:
            carts = [cart(a, ["LAUNCH"])["id"] for _ in range(30)]
            results = [None] * 30
            barrier = threading.Barrier(30)

            def one(i):
                barrier.wait()
                results[i] = checkout((a, b)[i % 2], carts[i], "b-%d" % i)

            threads = [threading.Thread(target=one, args=(i,)) for i in range(30)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            eq([r.status for r in results], [201] * 30, "every checkout made an order")
            amounts = sorted((taken(r.json(), "LAUNCH") for r in results), reverse=True)
            eq(sum(amounts), Decimal("100.00"), "the budget, to the cent")
            eq(amounts[:4], [Decimal("29.95")] * 3 + [Decimal("10.15")], "three whole, one capped")
            eq(count(a, "SELECT spent FROM promotion_spent WHERE promotion_id = 'LAUNCH'"), 10000,
               "the store's total")
            eq(outcome(cart(b, ["LAUNCH"])["pricing"], "LAUNCH"), (False, "budget_exhausted"), "spent")
            capped = [r.json() for r in results if taken(r.json(), "LAUNCH") == Decimal("10.15")][0]
            cancel(a, capped)
            eq(count(a, "SELECT spent FROM promotion_spent WHERE promotion_id = 'LAUNCH'"), 8985,
               "10.15 given back")
            eq(taken(checkout(b, cart(b, ["LAUNCH"])["id"], "b-last").json(), "LAUNCH"),
               Decimal("10.15"), "and spent again")


def test_a_shipped_order_keeps_what_it_spent():
    with Server() as s:
        install(s)
        order = checkout(s, cart(s, ["LAUNCH", "VIP"], customer="carol", quantity=2)["id"], "s1").json()
        base = "/v1/orders/%s/events" % order["id"]
        eq(s.request("POST", base, {"id": "e1", "type": "capture"}).status, 200, "paid")
        eq(s.request("POST", base, {"id": "e2", "type": "fulfill",
                                    "lines": [{"sku": "SHOE-1", "quantity": 1}]}).status, 200, "one shipped")
        eq(s.request("POST", base, {"id": "e3", "type": "cancel"}).status, 200, "the rest canceled")
        spent = count(s, "SELECT spent FROM promotion_spent WHERE promotion_id = 'LAUNCH'")
        eq(spent, int(taken(order, "LAUNCH") * 100), "the budget keeps what the order took")
        eq(count(s, "SELECT uses FROM customer_promotion_uses WHERE customer = 'carol'"), 1,
           "and the customer's use")


def test_orders_of_before_give_back_their_uses():
    """A store from before migration 8 kept one use per promotion of each
    order and nothing else: the migration notes exactly that with each
    order, so that canceling one still gives its uses back."""
    with Server() as s:
        install(s)
        order = checkout(s, cart(s, ["VIP", "GIFT-A"], customer="dave")["id"], "o1").json()
        eq(sorted(p["id"] for p in order["promotions"]), ["GIFT", "VIP"], "both applied")
        s.stop()
        # back to schema 7: without 8's tables, 9's (the relay's), the
        # lists' nor the regions'
        undo_lists_migration(s)
        for table in ("customer_promotion_uses", "coupon_uses", "promotion_spent",
                      "order_promotion_uses", "relay_positions", "relay_leases"):
            s.sql("DROP TABLE " + table)
        s.sql("DELETE FROM schema_version WHERE version >= 8")
        with Server(directory=s.dir, rules=None) as again:
            eq(sorted(again.sql("SELECT promotion_id, uses, code FROM order_promotion_uses")),
               [("GIFT", "1", ""), ("VIP", "1", "")], "one use of each, noted")
            cancel(again, order)
            eq(sorted(again.sql("SELECT promotion_id, uses FROM promotion_uses")),
               [("GIFT", "0"), ("VIP", "0")], "given back")
            eq(again.sql("SELECT count(*) FROM order_promotion_uses"), [("0",)], "once")


def test_carts_cannot_bring_their_own_counts():
    with Server() as s:
        for key, value in (("promotion_uses", {"VIP": 0}), ("customer_promotion_uses", {"VIP": 0}),
                           ("coupon_uses", {"gift-a": 0}), ("promotion_spent", {"LAUNCH": "0.00"})):
            r = s.request("POST", "/v1/carts", {"currency": "EUR", key: value,
                                                "lines": [{"sku": "SHOE-1", "quantity": 1}]})
            eq((r.status, r.json()["error"]["field"]), (400, key), "refused: " + key)
