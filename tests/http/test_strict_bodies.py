"""test_strict_bodies.py - every request body is read by the library's rules,
on every write endpoint: trailing bytes, a key twice, NUL characters, invalid
UTF-8 and numbers out of range are clean 400s naming the field (never a
stored half-document, a 503 or an ignored field); and an order's history is
capped."""
from ecomd_harness import Server, check, eq

BAD = [
    (b'{"currency":"EUR"} trailing', "invalid_json", None),
    (b'{"currency":"EUR","lines":[],"lines":[{"sku":"SHOE-1","quantity":1}]}', "invalid_field",
     "lines"),
    (b'{"currency":"EUR","country":"\xff"}', "invalid_field", "country"),
    (b'{"currency":"EUR","channel":"A\\u0000B"}', "invalid_field", None),
]


def test_cart_bodies():
    with Server() as s:
        for body, code, field in BAD:
            r = s.request("POST", "/v1/carts", body)
            eq(r.status, 400, "cart %r: %s" % (body, r.body))
            err = r.json()["error"]
            eq(err["code"], code, "code for %r" % body)
            if field:
                eq(err.get("field"), field, "field for %r" % body)
        cart = s.request("POST", "/v1/carts", {"currency": "EUR"}).json()
        r = s.request("PATCH", "/v1/carts/" + cart["id"], b'{"country":"DE","country":"AT"}')
        eq((r.status, r.json()["error"]["field"]), (400, "country"), "patch with a key twice")
        r = s.request("PUT", "/v1/carts/%s/lines/SHOE-1" % cart["id"], b'{"quantity":1} x')
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_json"), "line with trailing bytes")
        eq(s.request("GET", "/v1/carts/" + cart["id"]).json()["version"], 1, "nothing stored")


def test_stock_and_reservation_bodies():
    with Server() as s:
        for body, code in ((b'{"on_hand":5} x', "invalid_json"),
                           (b'{"on_hand":5,"on_hand":6}', "invalid_field"),
                           (b'{"on_hand":1e400}', "invalid_field"),
                           (b'{"on_hand":5,"sku":"B"}', "invalid_field")):
            r = s.request("PUT", "/v1/stock/A/berlin", body)
            eq((r.status, r.json()["error"]["code"]), (400, code), "stock %r" % body)
        eq(s.request("GET", "/v1/stock/A").json()["locations"], [], "nothing stored")
        eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 5}).status, 200, "stock")
        for body, field in ((b'{"id":"A\\u0000B","lines":[{"sku":"A","quantity":1}],"ttl_seconds":60}',
                             None),
                            (b'{"lines":[{"sku":"\xff","quantity":1}],"ttl_seconds":60}',
                             "lines[0].sku"),
                            (b'{"lines":[{"sku":"A","quantity":1}],"ttl_seconds":60,"at":"x"}',
                             "at"),
                            (b'{"lines":[{"sku":"A","quantity":1}],"ttl_seconds":60} []', None)):
            r = s.request("POST", "/v1/reservations", body, headers={"Idempotency-Key": "k"})
            eq(r.status, 400, "reservation %r: %s" % (body, r.body))
            if field:
                eq(r.json()["error"].get("field"), field, "field for %r" % body)
        eq(s.request("GET", "/v1/stock/A").json()["available"], 5, "nothing held")
        metrics = s.request("GET", "/metrics").body.decode()
        check("ecomd_store_errors_total 0" in metrics, "client bytes are never store errors")


def test_order_history_is_capped():
    """fail_payment / retry_payment cycles cannot grow an order without
    bound: past 1,000 events the order refuses more, naming the history."""
    with Server() as s:
        eq(s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 5}).status, 200, "stock")
        c = s.request("POST", "/v1/carts", {"currency": "EUR", "country": "DE",
                                            "lines": [{"sku": "SHOE-1", "quantity": 1}]}).json()
        oid = s.request("POST", "/v1/orders", {"cart_id": c["id"]},
                        headers={"Idempotency-Key": "k"}).json()["id"]
        conn = s.connection()
        for i in range(1000):
            kind = "fail_payment" if i % 2 == 0 else "retry_payment"
            r = s.request("POST", "/v1/orders/%s/events" % oid, {"id": "e%d" % i, "type": kind},
                          conn=conn)
            eq(r.status, 200, "event %d" % i)
        r = s.request("POST", "/v1/orders/%s/events" % oid, {"id": "e1000", "type": "fail_payment"},
                      conn=conn)
        conn.close()
        err = r.json()["error"]
        eq((r.status, err["code"], err["field"]), (400, "limit_exceeded", "order.history"), "capped")
        eq(s.request("GET", "/v1/orders/" + oid).json()["version"], 1001, "nothing more stored")
