"""test_http_manners.py - HEAD on every GET route, OPTIONS, 405
method_not_allowed with Allow, and the opt-in CORS allow-list."""
import os
import re

from ecomd_harness import ROOT, Server, check, eq

SHOP = "https://shop.example"


def get_routes():
    with open(os.path.join(ROOT, "wrappers", "http", "router.c")) as f:
        src = f.read()
    return [p for p, m in re.findall(r'\{"(/[^"]*)",\s*ECOMD_([A-Z]+),', src) if m == "GET"]


def fill(s, pattern):
    """A path of the pattern naming things that exist."""
    ids = fill.ids
    if not ids:
        s.request("PUT", "/v1/stock/SHOE-1/berlin", {"on_hand": 10})
        cart = s.request("POST", "/v1/carts", {"currency": "EUR", "country": "DE",
                                               "lines": [{"sku": "SHOE-1", "quantity": 1}]}).json()
        order = s.request("POST", "/v1/orders", {"cart_id": cart["id"]},
                          headers={"Idempotency-Key": "head-1"}).json()
        res = s.request("POST", "/v1/reservations", {"lines": [{"sku": "SHOE-1", "quantity": 1}],
                                                      "ttl_seconds": 60},
                        headers={"Idempotency-Key": "head-2"}).json()
        ids.update({"/v1/carts/": cart["id"], "/v1/orders/": order["id"],
                    "/v1/reservations/": res["id"], "/v1/stock/": "SHOE-1"})
    for prefix, value in ids.items():
        if pattern.startswith(prefix + "{"):
            return re.sub(r"\{[a-z]+\}", value, pattern, count=1)
    return pattern


fill.ids = {}

# Headers that differ from one answer to the next by design.
VOLATILE = {"date", "x-request-id", "traceparent"}


def test_head_on_every_get_route():
    fill.ids.clear()
    routes = get_routes()
    check(len(routes) >= 10, "GET routes parsed: %r" % routes)
    with Server() as s:
        for pattern in routes:
            path = fill(s, pattern)
            g = s.request("GET", path)
            h = s.request("HEAD", path)
            eq(h.status, g.status, "HEAD %s status" % path)
            eq(h.body, b"", "HEAD %s has no body" % path)
            gh = {k.lower(): v for k, v in g.headers if k.lower() not in VOLATILE}
            hh = {k.lower(): v for k, v in h.headers if k.lower() not in VOLATILE}
            eq(sorted(hh), sorted(gh), "HEAD %s header names" % path)
            for k in ("content-type", "etag", "x-rules-version"):
                eq(hh.get(k), gh.get(k), "HEAD %s %s" % (path, k))
            if pattern not in ("/metrics",):  # the others answer the same bytes twice
                eq(hh["content-length"], str(len(g.body)), "HEAD %s Content-Length" % path)
        # a 404 of a GET route is a 404 without a body
        h = s.request("HEAD", "/v1/orders/ord_none")
        eq((h.status, h.body), (404, b""), "HEAD of an unknown order")
        logged = [l for l in s.requests_logged() if l["method"] == "HEAD"]
        check(len(logged) >= len(routes), "HEAD requests are logged as HEAD")
        check(all(l["route"] != "unmatched" for l in logged), "HEAD takes the GET route's label")
        check(b'method="HEAD"' in s.request("GET", "/metrics").body, "HEAD counted as HEAD")


def test_options_lists_the_methods_without_a_key():
    admin, admin_line = __import__("ecomd_harness").keygen("ops", "admin")
    with Server(keys=[admin_line]) as s:
        r = s.request("OPTIONS", "/v1/rules")
        eq(r.status, 204, "OPTIONS without a key")
        eq(r.header("Allow"), "GET, HEAD, PUT, OPTIONS", "Allow of /v1/rules")
        eq(r.body, b"", "no body")
        eq(s.request("OPTIONS", "/v1/carts/c1").header("Allow"), "GET, HEAD, PATCH, OPTIONS",
           "Allow of a cart")
        eq(s.request("OPTIONS", "/v1/price").header("Allow"), "POST, OPTIONS", "Allow of price")
        eq(s.request("OPTIONS", "/nope").status, 404, "OPTIONS of an unknown path")
        check(r.header("Access-Control-Allow-Origin") is None, "no CORS unless asked for")
        # the key is still needed for everything else
        eq(s.request("GET", "/v1/rules").status, 401, "GET without a key")
        eq(s.request("HEAD", "/v1/rules").status, 401, "HEAD without a key")
        eq(s.request("HEAD", "/v1/rules", key=admin).status, 200, "HEAD with a key")


def test_405_is_method_not_allowed_with_allow():
    with Server() as s:
        for method, path, allow in [("DELETE", "/v1/rules", "GET, HEAD, PUT, OPTIONS"),
                                    ("GET", "/v1/price", "POST, OPTIONS"),
                                    ("PUT", "/v1/orders/o1", "GET, HEAD, OPTIONS"),
                                    ("TRACE", "/healthz", "GET, HEAD, OPTIONS"),
                                    ("HEAD", "/v1/price", "POST, OPTIONS")]:
            r = s.request(method, path)
            eq(r.status, 405, "%s %s" % (method, path))
            eq(r.header("Allow"), allow, "%s %s Allow" % (method, path))
            if method != "HEAD":
                eq(r.json()["error"]["code"], "method_not_allowed", "%s %s code" % (method, path))
                check("field" not in r.json()["error"], "405 names no field")
        # refused on the head: a body announced with it is never read
        r = s.request("PATCH", "/v1/price", b'{"a":1}')
        eq(r.status, 405, "PATCH with a body")


def test_cors_answers_listed_origins_only():
    args = ["--cors-origin", SHOP, "--cors-origin", "http://localhost:3000, https://admin.example"]
    with Server(args=args) as s:
        r = s.request("GET", "/v1/version", headers={"Origin": SHOP})
        eq(r.header("Access-Control-Allow-Origin"), SHOP, "listed origin echoed")
        eq(r.header("Vary"), "Origin", "Vary")
        exposed = r.header("Access-Control-Expose-Headers") or ""
        for h in ("ETag", "X-Request-Id", "Location"):
            check(h in exposed, "%s exposed: %r" % (h, exposed))
        for origin in ("http://localhost:3000", "https://admin.example", "HTTPS://ADMIN.EXAMPLE"):
            r = s.request("GET", "/v1/version", headers={"Origin": origin})
            eq(r.header("Access-Control-Allow-Origin"), origin, "listed: %s" % origin)
        for origin in ("https://evil.example", "https://shop.example.evil", "null",
                       "https://shop.example/", "http://shop.example"):
            r = s.request("GET", "/v1/version", headers={"Origin": origin})
            eq(r.status, 200, "served anyway: %s" % origin)
            eq(r.header("Access-Control-Allow-Origin"), None, "not listed: %s" % origin)
            eq(r.header("Vary"), "Origin", "Vary for %s" % origin)
        # a preflight names what the page may send
        pre = {"Origin": SHOP, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"}
        r = s.request("OPTIONS", "/v1/orders", headers=pre)
        eq(r.status, 204, "preflight")
        eq(r.header("Access-Control-Allow-Origin"), SHOP, "preflight origin")
        eq(r.header("Access-Control-Allow-Methods"), "GET, HEAD, POST, OPTIONS", "preflight methods")
        sent = [h.strip().lower() for h in r.header("Access-Control-Allow-Headers").split(",")]
        for h in ("authorization", "content-type", "idempotency-key", "if-match", "x-request-id",
                  "traceparent"):
            check(h in sent, "preflight allows %s" % h)
        check(int(r.header("Access-Control-Max-Age")) > 0, "preflight cached")
        pre["Origin"] = "https://evil.example"
        r = s.request("OPTIONS", "/v1/orders", headers=pre)
        eq(r.status, 204, "preflight of another origin")
        for h in ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                  "Access-Control-Allow-Headers"):
            eq(r.header(h), None, "%s withheld from another origin" % h)
        # errors carry CORS too, so that a page can read them
        r = s.request("GET", "/v1/orders/none", headers={"Origin": SHOP})
        eq((r.status, r.header("Access-Control-Allow-Origin")), (404, SHOP), "404 with CORS")
    with Server() as s:
        r = s.request("GET", "/v1/version", headers={"Origin": SHOP})
        eq((r.header("Access-Control-Allow-Origin"), r.header("Vary")), (None, None),
           "CORS is off by default")


def test_cors_origin_from_the_environment_and_bad_values():
    env = {"ECOMD_CORS_ORIGIN": "https://a.example,https://b.example:8443"}
    with Server(env=env) as s:
        for origin in ("https://a.example", "https://b.example:8443"):
            r = s.request("GET", "/healthz", headers={"Origin": origin})
            eq(r.header("Access-Control-Allow-Origin"), origin, "from the environment: " + origin)
    # a flag replaces the environment's list
    with Server(env=env, args=["--cors-origin", "https://c.example"]) as s:
        r = s.request("GET", "/healthz", headers={"Origin": "https://a.example"})
        eq(r.header("Access-Control-Allow-Origin"), None, "the flag wins")
        r = s.request("GET", "/healthz", headers={"Origin": "https://c.example"})
        eq(r.header("Access-Control-Allow-Origin"), "https://c.example", "the flag's origin")
    import subprocess
    from ecomd_harness import ECOMD
    for bad in ("*", "shop.example", "https://shop.example/", "https://shop.example/path",
                "ftp://x", "https://", "https://a.example,,https://b.example",
                "https://a.example:123456"):
        p = subprocess.run([ECOMD, "--cors-origin", bad, "--listen", "127.0.0.1:1"],
                           capture_output=True, text=True, timeout=10)
        eq(p.returncode, 2, "refused: %r" % bad)
        check("--cors-origin" in p.stderr, "names the flag: %r" % p.stderr)
