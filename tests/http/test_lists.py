"""test_lists.py - GET /v1/orders, /v1/reservations and /v1/carts: filters,
pages newest first that neither repeat nor skip an object while others are
added, limits, refusals naming the parameter, items equal to the single
GET's documents, and the lists' migration on a store that holds orders."""
import threading
import time
import urllib.parse

from ecomd_harness import Server, check, eq, undo_lists_migration

CART = {"currency": "EUR", "country": "DE", "customer_group": "retail", "channel": "web"}


def stock(s, sku, n):
    eq(s.request("PUT", "/v1/stock/%s/berlin" % sku, {"on_hand": n}).status, 200, "stock")


def order(s, key, skus=("SHOE-1",)):
    c = s.request("POST", "/v1/carts", dict(CART, lines=[{"sku": k, "quantity": 1} for k in skus]))
    eq(c.status, 201, "cart: %s" % c.body)
    r = s.request("POST", "/v1/orders", {"cart_id": c.json()["id"]}, headers={"Idempotency-Key": key})
    eq(r.status, 201, "checkout: %s" % r.body)
    return r.json()


def event(s, oid, eid, etype, **extra):
    r = s.request("POST", "/v1/orders/%s/events" % oid, dict(id=eid, type=etype, **extra))
    eq(r.status, 200, "%s: %s" % (etype, r.body))
    return r.json()["order"]


def page(s, path, **params):
    r = s.request("GET", path + ("?" + urllib.parse.urlencode(params) if params else ""))
    eq(r.status, 200, "GET %s %r: %s" % (path, params, r.body[:300]))
    body = r.json()
    eq(sorted(body), ["data", "has_more", "object"], "a list's members")
    eq(body["object"], "list", "object")
    return body


def walk(s, path, limit, **params):
    """Every page, following starting_after; the ids in order."""
    ids, after = [], None
    while True:
        extra = dict(params, limit=limit)
        if after:
            extra["starting_after"] = after
        body = page(s, path, **extra)
        check(len(body["data"]) <= limit, "at most limit items")
        ids += [d["id"] for d in body["data"]]
        if not body["has_more"]:
            return ids
        check(body["data"], "has_more with an empty page")
        after = body["data"][-1]["id"]


def ids(body):
    return [d["id"] for d in body["data"]]


def newest_first(orders):
    return [o["id"] for o in sorted(orders, key=lambda o: (o["created_at"], o["id"]), reverse=True)]


def test_orders_filters_and_documents():
    with Server() as s:
        stock(s, "SHOE-1", 100)
        stock(s, "SOCK-3", 100)
        made = [order(s, "o%d" % i, ("SHOE-1",) if i % 3 else ("SOCK-3", "SHOE-1"))
                for i in range(9)]
        paid = [event(s, o["id"], "cap", "capture", amount=o["total"]) for o in made[:3]]
        canceled = event(s, made[3]["id"], "c", "cancel")
        orders = {o["id"]: o for o in made}
        orders.update({o["id"]: o for o in paid + [canceled]})
        everything = page(s, "/v1/orders", limit=100)
        eq(ids(everything), newest_first(made), "newest first")
        eq(everything["has_more"], False, "one page holds them all")
        for d in everything["data"]:
            g = s.request("GET", "/v1/orders/" + d["id"])
            eq(d, g.json(), "the item is the single GET's document")
        eq(ids(page(s, "/v1/orders", state="processing", limit=100)), newest_first(paid), "state")
        eq(ids(page(s, "/v1/orders", payment_status="paid", limit=100)), newest_first(paid),
           "payment_status")
        eq(ids(page(s, "/v1/orders", state="canceled")), [canceled["id"]], "canceled")
        eq(ids(page(s, "/v1/orders", state="pending_payment", payment_status="unpaid", limit=100)),
           newest_first(made[4:]), "state and payment_status together")
        eq(ids(page(s, "/v1/orders", state="completed")), [], "a state nothing is in")
        socks = [o for i, o in enumerate(made) if i % 3 == 0]
        eq(ids(page(s, "/v1/orders", sku="SOCK-3", limit=100)), newest_first(socks), "sku")
        eq(ids(page(s, "/v1/orders", sku="SOCK-3", state="processing")), [made[0]["id"]],
           "sku and state")
        eq(ids(page(s, "/v1/orders", sku="NONE")), [], "a SKU never ordered")
        # a window [created_after, created_before) of the middle three
        times = sorted(o["created_at"] for o in made)
        window = page(s, "/v1/orders", created_after=times[3], created_before=times[6], limit=100)
        eq(ids(window), newest_first([o for o in made if times[3] <= o["created_at"] < times[6]]),
           "created_after is inclusive, created_before exclusive")
        eq(len(window["data"]), 3, "three in the window")
        eq(ids(page(s, "/v1/orders", created_after=times[-1])), [newest_first(made)[0]],
           "after the newest's own time")
        eq(ids(page(s, "/v1/orders", created_before=times[0])), [], "before the oldest")
        # a time with an offset, its '+' percent-encoded
        eq(len(page(s, "/v1/orders", created_after="2000-01-01T01:00:00+01:00", limit=100)["data"]),
           9, "an offset")


def test_orders_pages_stable_under_concurrent_inserts():
    with Server() as s:
        stock(s, "SHOE-1", 10000)
        before = [order(s, "b%d" % i)["id"] for i in range(30)]
        eq(walk(s, "/v1/orders", 7), list(reversed(before)), "pages of 7, newest first")
        eq(page(s, "/v1/orders")["has_more"], True, "default limit 20 of 30")
        eq(len(page(s, "/v1/orders")["data"]), 20, "default limit is 20")
        stop = threading.Event()
        added = []

        def insert():
            i = 0
            while not stop.is_set():
                added.append(order(s, "c%d" % i)["id"])
                i += 1

        t = threading.Thread(target=insert)
        t.start()
        try:
            time.sleep(0.2)
            seen = walk(s, "/v1/orders", 4)
        finally:
            stop.set()
            t.join()
        check(len(added) > 0, "orders were added while paging")
        eq(len(seen), len(set(seen)), "no order twice")
        old = [i for i in seen if i in set(before)]
        eq(old, list(reversed(before)), "every order that existed before, once, in order")
        docs = [s.request("GET", "/v1/orders/" + i).json() for i in seen]
        keys = [(d["created_at"], d["id"]) for d in docs]
        eq(keys, sorted(keys, reverse=True), "each page continues below the previous one")


def test_orders_limits_and_bad_parameters():
    with Server() as s:
        stock(s, "SHOE-1", 100)
        made = [order(s, "l%d" % i) for i in range(3)]
        eq(len(page(s, "/v1/orders", limit=1)["data"]), 1, "limit 1")
        eq(len(page(s, "/v1/orders", limit=100)["data"]), 3, "limit 100")
        eq(ids(page(s, "/v1/orders", starting_after=made[1]["id"])), [made[0]["id"]],
           "after the middle one")
        eq(ids(page(s, "/v1/orders", starting_after=made[0]["id"])), [], "after the oldest")
        bad = [
            ("limit=0", "limit"), ("limit=101", "limit"), ("limit=-1", "limit"), ("limit=", "limit"),
            ("limit=1e1", "limit"), ("limit=%2B5", "limit"), ("limit=1000000000000", "limit"),
            ("state=paid", "state"), ("state=", "state"), ("state", "state"),
            ("payment_status=PAID", "payment_status"), ("created_after=yesterday", "created_after"),
            ("created_after=2026-01-01T00:00:00+01:00", "created_after"),  # '+' reads as a space
            ("created_before=2026-02-30T00:00:00Z", "created_before"),
            ("sku=", "sku"), ("sku=" + "x" * 128, "sku"), ("sku=%00", "sku"), ("sku=%FF", "sku"),
            ("starting_after=%C0%AF", "starting_after"),
            ("starting_after=ord_none", "starting_after"), ("status=active", "status"),
            ("updated_after=2026-01-01T00:00:00Z", "updated_after"), ("bogus=1", "bogus"),
            ("limit=5&limit=6", "limit"), ("state=canceled&state=canceled", "state"),
        ]
        for query, field in bad:
            r = s.request("GET", "/v1/orders?" + query)
            eq(r.status, 400, query)
            err = r.json()["error"]
            eq((err["code"], err.get("field")), ("invalid_field", field), "%s: %s" % (query, err))
        r = s.request("GET", "/v1/orders?%FF=1")
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_field"), "a name that is not text")
        r = s.request("GET", "/v1/reservations?state=canceled")
        eq((r.status, r.json()["error"].get("field")), (400, "state"), "orders' filter elsewhere")


def test_reservations_list():
    with Server() as s:
        stock(s, "A", 100)
        stock(s, "B", 100)

        def reserve(key, sku, ttl=600):
            r = s.request("POST", "/v1/reservations",
                          {"lines": [{"sku": sku, "quantity": 1}], "ttl_seconds": ttl},
                          headers={"Idempotency-Key": key})
            eq(r.status, 201, "reserve: %s" % r.body)
            return r.json()["id"]

        a = [reserve("a%d" % i, "A") for i in range(4)]
        b = [reserve("b%d" % i, "B") for i in range(3)]
        short = reserve("short", "B", ttl=1)
        eq(s.request("POST", "/v1/reservations/%s/release" % a[0]).status, 200, "released")
        everything = page(s, "/v1/reservations", limit=100)
        eq(ids(everything), list(reversed(a + b + [short])), "newest first")
        for d in everything["data"]:
            eq(d, s.request("GET", "/v1/reservations/" + d["id"]).json(), "the single GET's document")
        eq(ids(page(s, "/v1/reservations", sku="A", limit=100)), list(reversed(a)), "sku")
        eq(ids(page(s, "/v1/reservations", status="released")), [a[0]], "released")
        time.sleep(1.2)  # the short one lapses: expired at once, swept or not
        eq(ids(page(s, "/v1/reservations", status="expired")), [short], "expired")
        eq(ids(page(s, "/v1/reservations", status="active", limit=100)),
           list(reversed(a[1:] + b)), "active: not the lapsed one")
        eq(ids(page(s, "/v1/reservations", status="active", sku="B")), list(reversed(b)),
           "status and sku")
        eq(walk(s, "/v1/reservations", 3), list(reversed(a + b + [short])), "pages of 3")
        r = s.request("GET", "/v1/reservations?status=held")
        eq((r.status, r.json()["error"]["field"]), (400, "status"), "an unknown status")
        r = s.request("GET", "/v1/reservations?starting_after=none")
        eq((r.status, r.json()["error"]["field"]), (400, "starting_after"), "an unknown cursor")


def test_carts_list():
    with Server() as s:
        made = []
        for i in range(5):
            r = s.request("POST", "/v1/carts", dict(CART, lines=[{"sku": "SHOE-1", "quantity": 1}]))
            made.append(r.json()["id"])
            time.sleep(0.002)
        everything = page(s, "/v1/carts", limit=100)
        eq(ids(everything), list(reversed(made)), "newest first")
        for d in everything["data"]:
            eq(d, s.request("GET", "/v1/carts/" + d["id"]).json(), "the single GET's document")
        mark = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1)) + "Z"
        future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        eq(len(page(s, "/v1/carts", updated_after=mark)["data"]), 5, "all updated lately")
        eq(ids(page(s, "/v1/carts", updated_after=future)), [], "none updated in an hour")
        time.sleep(1.1)
        later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time()))
        time.sleep(1.0)
        eq(s.request("PUT", "/v1/carts/%s/lines/SOCK-3" % made[1], {"quantity": 2}).status, 200,
           "a line")
        eq(ids(page(s, "/v1/carts", updated_after=later)), [made[1]], "updated_after")
        eq(walk(s, "/v1/carts", 2), list(reversed(made)), "pages of 2; an update moves nothing")
        r = s.request("GET", "/v1/carts?state=open")
        eq((r.status, r.json()["error"]["field"]), (400, "state"), "carts take no state")


def test_lists_migration_fills_the_list_columns():
    """A store from before the lists gets payment statuses, SKU rows and
    reservation times from what it holds."""
    with Server() as s:
        stock(s, "SHOE-1", 100)
        stock(s, "SOCK-3", 100)
        made = [order(s, "m%d" % i, ("SHOE-1", "SOCK-3") if i == 1 else ("SHOE-1",))
                for i in range(3)]
        event(s, made[2]["id"], "cap", "capture", amount=made[2]["total"])
        s.stop()
        # Back to before the lists' migration.
        undo_lists_migration(s)
        with Server(directory=s.dir) as again:
            eq(ids(page(again, "/v1/orders", payment_status="paid")), [made[2]["id"]],
               "payment status from the documents")
            eq(ids(page(again, "/v1/orders", sku="SOCK-3")), [made[1]["id"]], "SKUs from the lines")
            eq(ids(page(again, "/v1/reservations")), newest_first(made),
               "a checkout's reservation dated by its order")
            eq(again.sql("SELECT count(*) FROM order_skus"), [("4",)], "one row per order and SKU")
