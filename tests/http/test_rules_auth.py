"""test_rules_auth.py - the stored ruleset (versions, ETag, hot swap across
instances), the outbox entry of an activation, API keys and roles."""
import json
import os
import subprocess
import time

from ecomd_harness import CART, ECOMD, RULES, Server, check, eq, keygen


def cheaper_rules():
    rules = json.load(open(RULES))
    rules["products"][0]["prices"]["EUR"] = "10.00"
    return rules


def shoe_price(s, key=None):
    r = s.request("POST", "/v1/price", open(CART).read(), key=key)
    eq(r.status, 200, "price")
    return r.json()["lines"][0]["list_price"]


def test_rules_get_put_versions():
    with Server() as s:
        r = s.request("GET", "/v1/rules")
        eq(r.status, 200, "get rules")
        eq(r.header("ETag"), '"1"', "etag 1")
        eq(r.json(), json.load(open(RULES)), "stored document")
        eq(s.request("GET", "/v1/rules", headers={"If-None-Match": '"1"'}).status, 304, "304")
        before = shoe_price(s)
        r = s.request("PUT", "/v1/rules", cheaper_rules())
        eq(r.status, 200, "put")
        eq(r.json(), {"version": 2}, "new version")
        eq(r.header("ETag"), '"2"', "etag 2")
        eq(s.request("GET", "/v1/rules").header("ETag"), '"2"', "get shows version 2")
        eq(shoe_price(s), "10.00", "active at once on this instance")
        check(before != "10.00", "price changed")
        r = s.request("PUT", "/v1/rules", cheaper_rules(), headers={"If-Match": '"1"'})
        eq(r.status, 412, "stale If-Match")
        eq(r.json()["error"]["code"], "version_conflict", "code")
        r = s.request("PUT", "/v1/rules", json.load(open(RULES)), headers={"If-Match": '"2"'})
        eq((r.status, r.json()["version"]), (200, 3), "matching If-Match")
        r = s.request("PUT", "/v1/rules", json.load(open(RULES)), headers={"If-Match": "2"})
        eq(r.status, 400, "unquoted If-Match")
        ev = s.request("GET", "/v1/events").json()
        acts = [e["data"]["version"] for e in ev["events"] if e["type"] == "rules.activated"]
        eq(acts, [1, 2, 3], "one rules.activated event per version")
        eq(ev["next"], ev["events"][-1]["id"], "next is the last id")
        ids = [e["id"] for e in ev["events"]]
        eq(ids, sorted(ids), "increasing ids")
        page = s.request("GET", "/v1/events?after=%d&limit=1" % ids[0]).json()
        eq([e["id"] for e in page["events"]], [ids[1]], "after and limit")
        for q in ["after=-1", "limit=0", "limit=1001", "after=x"]:
            r = s.request("GET", "/v1/events?" + q)
            eq((r.status, r.json()["error"]["code"]), (400, "invalid_field"), q)


def test_rules_put_invalid():
    with Server() as s:
        bad = json.load(open(RULES))
        bad["promotions"][0]["action"]["percent"] = "150"
        r = s.request("PUT", "/v1/rules", bad)
        eq(r.status, 400, "invalid ruleset")
        err = r.json()["error"]
        eq(err["field"], "promotions[0].action.percent", "path of the problem")
        eq(s.request("GET", "/v1/rules").header("ETag"), '"1"', "nothing stored")
        r = s.request("PUT", "/v1/rules", "[1,")
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_json"), "not json")


def test_hot_swap_reaches_other_instance():
    with Server() as a:
        with Server(directory=a.dir, rules=None,
                    store="sqlite:" + os.path.join(a.dir, "ecom.db")) as b:
            eq(shoe_price(b), shoe_price(a), "same rules")
            eq(a.request("PUT", "/v1/rules", cheaper_rules()).status, 200, "put on a")
            t0 = time.time()
            while shoe_price(b) != "10.00":
                check(time.time() - t0 < 2.0, "b sees the new rules within 2 s")
                time.sleep(0.05)
            eq(b.request("GET", "/readyz").json()["rules_version"], 2, "b at version 2")


def test_rules_seed_refused_when_invalid():
    with Server(rules=None) as s:
        path = os.path.join(s.dir, "bad.json")
        with open(path, "w") as f:
            f.write('{"currency": "XXX"}')
        r = subprocess.run([ECOMD, "--listen", "127.0.0.1:1", "--store",
                            "sqlite:" + os.path.join(s.dir, "other.db"), "--rules", path],
                           capture_output=True, timeout=10)
        eq(r.returncode, 1, "invalid --rules refused at start")


def test_keys_and_roles():
    admin_key, admin_line = keygen("ops", "admin")
    client_key, client_line = keygen("shop", "client")
    with Server(keys=[admin_line, client_line]) as s:
        eq(s.request("GET", "/healthz").status, 200, "probes need no key")
        eq(s.request("GET", "/metrics").status, 200, "metrics need no key")
        r = s.request("POST", "/v1/price", open(CART).read())
        eq(r.status, 401, "no key")
        eq(r.json()["error"]["code"], "unauthorized", "code")
        eq(r.header("WWW-Authenticate"), "Bearer", "challenge")
        eq(s.request("POST", "/v1/price", open(CART).read(), key="wrong").status, 401, "bad key")
        eq(s.request("POST", "/v1/price", open(CART).read(),
                     headers={"Authorization": "Basic " + client_key}).status, 401, "not bearer")
        eq(s.request("POST", "/v1/price", open(CART).read(), key=client_key).status, 200, "client")
        eq(s.request("GET", "/v1/rules", key=client_key).status, 200, "client reads rules")
        r = s.request("PUT", "/v1/rules", cheaper_rules(), key=client_key)
        eq((r.status, r.json()["error"]["code"]), (403, "forbidden"), "client may not write rules")
        eq(s.request("PUT", "/v1/rules", cheaper_rules(), key=admin_key).status, 200, "admin")
        eq(s.request("POST", "/v1/price", open(CART).read(), key=admin_key).status, 200,
           "admin is also a client")
        time.sleep(0.1)
        log = s.log_text()
        check(admin_key not in log and client_key not in log, "keys never logged")


def test_keygen_output():
    key, line = keygen("ops", "admin")
    check(len(key) == 43 and all(c.isalnum() or c in "-_" for c in key), "base64url key %r" % key)
    name, role, digest = line.split(" ")
    eq((name, role), ("ops", "admin"), "name and role")
    eq(len(digest), 64, "blake2b-256 hex")
    other, _ = keygen("ops", "admin")
    check(other != key, "keys are random")
    import hashlib
    eq(hashlib.blake2b(key.encode(), digest_size=32).hexdigest(), digest, "hash of the key")


def test_loopback_only_without_keys():
    r = subprocess.run([ECOMD, "--listen", "0.0.0.0:1", "--store", "sqlite::memory:"],
                       capture_output=True, timeout=10)
    eq(r.returncode, 2, "non-loopback refused without keys")
    check(b"without a key file" in r.stderr, "says why")


def test_bad_key_file():
    with Server() as s:
        path = os.path.join(s.dir, "badkeys")
        with open(path, "w") as f:
            f.write("ops superuser abcd\n")
        r = subprocess.run([ECOMD, "--listen", "127.0.0.1:1", "--keys", path, "--store",
                            "sqlite:" + os.path.join(s.dir, "x.db")], capture_output=True, timeout=10)
        eq(r.returncode, 1, "malformed key file refused")
        check(b"badkeys:1" in r.stderr, "names the line")
