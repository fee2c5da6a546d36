"""test_hardening_rules.py - PUT /v1/rules with an admin key:

- a ruleset that takes seconds to compile (patterns over a large
  catalogue) is compiled off MHD's threads: kept-alive clients of the
  same thread are served meanwhile (they waited for the whole compile);
- a pattern that backtracks without bound is refused with its field path
  as soon as it passes its match limit on a SKU;
- the write honours Idempotency-Key (it was ignored)."""
import json
import select
import socket

from ecomd_harness import RULES, Server, check, eq
from rawhttp import JSON, parse, read_all, req


def slow_rules(products=2000, promotions=40):
    """A ruleset whose patterns backtrack on every SKU, a little under
    their match limit: each pattern costs some 4,000 steps per SKU, and
    the compile about a second."""
    return json.dumps({
        "currency": "EUR",
        "products": [{"sku": "a" * 12 + "!%d" % i, "prices": {"EUR": "1.00"}}
                     for i in range(products)],
        "promotions": [{"id": "p%d" % i, "priority": i, "target": {"sku_pattern": "^(a+)+$"},
                        "action": {"type": "percent_off", "percent": "1"}}
                       for i in range(promotions)],
    })


def test_slow_compile_leaves_other_connections_served():
    body = slow_rules().encode()
    with Server(args=["--threads", "1"]) as s:
        kept = s.connection()
        eq(s.request("GET", "/healthz", conn=kept).status, 200, "kept-alive connection")
        put = socket.create_connection(("127.0.0.1", s.port), timeout=30)
        put.sendall(req(b"PUT", b"/v1/rules", body, JSON + b"Idempotency-Key: slow\r\n"))
        # MHD's only thread has the whole request: on it, the compile would
        # hold this connection until it is done
        served = 0
        while not select.select([put], [], [], 0)[0]:
            eq(s.request("GET", "/healthz", conn=kept).status, 200, "served while compiling")
            served += 1
        answer = parse(read_all(put))[0]
        put.close()
        eq((answer.status, answer.json()), (200, {"version": 2}), "the ruleset stored")
        check(served >= 5, "requests on the same thread served during the compile: %d" % served)
        eq(s.request("GET", "/v1/rules").header("ETag"), '"2"', "active")
        kept.close()


def test_runaway_pattern_refused_with_its_path():
    rules = json.load(open(RULES))
    rules["products"].append({"sku": "a" * 40 + "!", "prices": {"EUR": "1.00"}})
    rules["promotions"].append({"id": "runaway", "level": "product", "priority": 1,
                                "target": {"sku_pattern": "^(a+)+$"},
                                "action": {"type": "percent_off", "percent": "1"}})
    with Server() as s:
        r = s.request("PUT", "/v1/rules", rules)
        eq(r.status, 400, "refused")
        err = r.json()["error"]
        eq((err["code"], err["field"]),
           ("invalid_field", "promotions[%d].target.sku_pattern" % (len(rules["promotions"]) - 1)),
           "names the pattern")
        check("match limits" in err["message"], err["message"])
        eq(s.request("GET", "/v1/rules").header("ETag"), '"1"', "nothing stored")


def test_rules_put_honours_idempotency_key():
    rules = json.load(open(RULES))
    with Server() as s:
        first = s.request("PUT", "/v1/rules", rules, headers={"Idempotency-Key": "r-1"})
        eq((first.status, first.json()), (200, {"version": 2}), "stored")
        again = s.request("PUT", "/v1/rules", rules, headers={"Idempotency-Key": "r-1"})
        eq((again.status, again.body), (200, first.body), "the first answer again")
        eq(again.header("Idempotent-Replayed"), "true", "replayed")
        eq(s.request("GET", "/v1/rules").header("ETag"), '"2"', "not stored twice")
        rules["currency"] = "USD"
        r = s.request("PUT", "/v1/rules", rules, headers={"Idempotency-Key": "r-1"})
        eq((r.status, r.json()["error"]["code"]), (409, "idempotency_conflict"), "another body")
        bad = s.request("PUT", "/v1/rules", {"currency": 5}, headers={"Idempotency-Key": "r-2"})
        eq(bad.status, 400, "refused")
        r = s.request("PUT", "/v1/rules", {"currency": 5}, headers={"Idempotency-Key": "r-2"})
        eq((r.status, r.body, r.header("Idempotent-Replayed")), (400, bad.body, "true"),
           "the refusal is kept too")
        r = s.request("PUT", "/v1/rules", rules, headers={"Idempotency-Key": "bad key"})
        eq(r.status, 400, "a malformed key")
        stale = s.request("PUT", "/v1/rules", rules, headers={"If-Match": '"1"', "Idempotency-Key": "r-3"})
        eq(stale.status, 412, "stale If-Match")
        events = s.request("GET", "/v1/events").json()["events"]
        eq([e["data"]["version"] for e in events if e["type"] == "rules.activated"], [1, 2],
           "one activation per stored version")
