"""test_hardening_store.py - what reaches the store from a client:

- invalid UTF-8 (or a NUL) in a path parameter is 404 before any store
  call; a value the store cannot hold is 400, never a store error (on
  PostgreSQL these were 503 "retry" and counted in
  ecomd_store_errors_total, which alerts page on);
- concurrent duplicates of a refused write under one Idempotency-Key all
  get the stored refusal (some got 503 on the key's unique constraint);
- a store that answers reads but refuses every write (a full disk) takes
  the instance out of rotation: /readyz is 503 until writes work again."""
import contextlib
import json
import resource
import threading
import time

import ecomd_harness
from ecomd_harness import USE_PG, Server, check, eq
from rawhttp import parse, req, send_raw

BAD_SEGMENTS = [b"%FF", b"%C0%AF", b"%ED%A0%80", b"%F4%90%80%80", b"%00", b"%C2%85", b"a%FFb"]

PATHS = [  # (method, path with {} for a parameter, body)
    (b"GET", b"/v1/carts/{}", b""),
    (b"PATCH", b"/v1/carts/{}", b'{"country":"DE"}'),
    (b"PUT", b"/v1/carts/c/lines/{}", b'{"quantity":1}'),
    (b"POST", b"/v1/carts/{}/coupons", b'{"code":"X"}'),
    (b"DELETE", b"/v1/carts/c/coupons/{}", b""),
    (b"GET", b"/v1/orders/{}", b""),
    (b"POST", b"/v1/orders/{}/events", b'{"id":"e","type":"cancel"}'),
    (b"PUT", b"/v1/stock/{}/berlin", b'{"on_hand":1}'),
    (b"PUT", b"/v1/stock/A/{}", b'{"on_hand":1}'),
    (b"GET", b"/v1/stock/{}", b""),
    (b"GET", b"/v1/reservations/{}", b""),
    (b"POST", b"/v1/reservations/{}/release", b""),
]


def test_invalid_utf8_in_paths_is_404_before_the_store():
    with Server() as s:
        for method, path, body in PATHS:
            for seg in BAD_SEGMENTS:
                data = req(method, path.replace(b"{}", seg), body,
                           b"Content-Type: application/json\r\nIdempotency-Key: k\r\n")
                a = parse(send_raw(s.port, data))[0]
                check(a is not None, "%r answered" % data[:60])
                eq((a.status, a.json()["error"]["code"]), (404, "not_found"), data[:60])
        eq(s.request("GET", "/v1/events?after=%FF").status, 400, "a query argument")
        r = s.request("GET", "/v1/stock/%C3%A9t%C3%A9")
        eq((r.status, r.json()["sku"]), (200, "\u00e9t\u00e9"), "valid UTF-8 still found")
        eq(s.metric("ecomd_store_errors_total"), 0, "no store error")


def test_values_the_store_cannot_hold_are_not_store_errors():
    # A body the request reader passes on to the store: whatever refuses
    # it, the answer is a 4xx and the store is not blamed.
    with Server() as s:
        for cart in [b'"\xff\xfe"', b'"a\\u0000b"', b'"\xed\xa0\x80"']:
            r = s.request("POST", "/v1/orders", b'{"cart_id":' + cart + b"}",
                          headers={"Idempotency-Key": "utf8-%d" % len(cart)})
            check(400 <= r.status < 500, "cart_id %r: a refusal, got %d %s" % (cart, r.status, r.body))
        eq(s.metric("ecomd_store_errors_total"), 0, "no store error")
        eq(s.request("GET", "/readyz").status, 200, "still ready")


def concurrent_duplicates(s, n, key, body):
    """n identical requests sent at once on n connections."""
    barrier = threading.Barrier(n)
    out = [None] * n

    def one(i):
        c = s.connection(timeout=30)
        try:
            barrier.wait()
            out[i] = s.request("POST", "/v1/reservations", body,
                               headers={"Idempotency-Key": key}, conn=c)
        finally:
            c.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_duplicates_of_a_refusal_get_the_stored_refusal():
    with Server() as s:
        eq(s.request("PUT", "/v1/stock/RACE/berlin", {"on_hand": 1}).status, 200, "stock")
        body = json.dumps({"lines": [{"sku": "RACE", "quantity": 5}], "ttl_seconds": 60})
        for rnd in range(40):
            answers = concurrent_duplicates(s, 40, "race-%d" % rnd, body)
            got = sorted(set((a.status, a.body) for a in answers))
            eq(len(got), 1, "round %d: one answer for all, got %r" % (rnd, got))
            eq(answers[0].status, 409, "round %d: the refusal" % rnd)
            fresh = [a for a in answers if a.header("Idempotent-Replayed") is None]
            eq(len(fresh), 1, "round %d: one made it, the others replay it" % rnd)
        eq(s.metric("ecomd_store_errors_total"), 0, "no store error")


@contextlib.contextmanager
def writes_failing(s):
    """Every write of s's store fails while reads work: on SQLite, ecomd may
    not grow any file (RLIMIT_FSIZE, as on a full disk); on PostgreSQL, the
    server makes every transaction read-only."""
    if USE_PG:
        import pgtemp
        port = ecomd_harness._PG["port"]
        pgtemp.psql(port, "ALTER SYSTEM SET default_transaction_read_only = on")
        pgtemp.psql(port, "SELECT pg_reload_conf()")
        time.sleep(0.3)
        try:
            yield
        finally:
            pgtemp.psql(port, "ALTER SYSTEM RESET default_transaction_read_only")
            pgtemp.psql(port, "SELECT pg_reload_conf()")
            time.sleep(0.3)
    else:
        resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
        try:
            yield
        finally:
            resource.prlimit(s.proc.pid, resource.RLIMIT_FSIZE,
                             (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def test_readyz_503_while_the_store_refuses_writes():
    with Server() as s:
        eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 1}).status, 200, "a write")
        with writes_failing(s):
            eq(s.request("GET", "/readyz").status, 200, "ready until a write fails")
            for i in range(3):
                r = s.request("PUT", "/v1/stock/A/berlin", {"on_hand": i})
                eq(r.status, 503, "the write fails")
            eq(s.request("GET", "/v1/stock/A").status, 200, "reads still work")
            r = s.request("GET", "/readyz")
            eq((r.status, r.json()["error"]["message"]), (503, "the store refuses writes"), "readyz")
            time.sleep(1.1)
            eq(s.request("GET", "/readyz").status, 503, "still, after probing again")
        time.sleep(1.1)  # a probe a second at most
        eq(s.request("GET", "/readyz").status, 200, "ready again by itself")
        eq(s.request("PUT", "/v1/stock/A/berlin", {"on_hand": 5}).status, 200, "writes work")
