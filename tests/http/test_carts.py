"""test_carts.py - stored carts: create, read priced, PATCH context, lines,
coupons, If-Match, and refusals that store nothing."""
import json
import threading

from ecomd_harness import CART, Server, check, eq


def new_cart(s, **fields):
    body = {"currency": "EUR", "country": "DE", "customer_group": "retail", "channel": "web"}
    body.update(fields)
    r = s.request("POST", "/v1/carts", body)
    eq(r.status, 201, "create: %s" % r.body)
    return r


def test_cart_create_and_get():
    with Server() as s:
        r = new_cart(s, lines=[{"sku": "SHOE-1", "quantity": 2}], coupons=["welcome5"],
                     shipping_method="express")
        cart = r.json()
        check(cart["id"].startswith("cart_"), "id")
        eq(cart["version"], 1, "version")
        eq(r.header("ETag"), '"1"', "etag")
        eq(r.header("Location"), "/v1/carts/" + cart["id"], "location")
        eq(cart["lines"], [{"sku": "SHOE-1", "quantity": 2}], "lines")
        eq(cart["pricing"]["lines"][0]["list_price"], "59.90", "priced")
        eq(cart["pricing"]["id"], cart["id"], "pricing echoes the id")
        g = s.request("GET", "/v1/carts/" + cart["id"])
        eq(g.status, 200, "get")
        eq(g.header("ETag"), '"1"', "etag on get")
        eq(g.json()["pricing"]["total"], cart["pricing"]["total"], "same price")
        eq(s.request("GET", "/v1/carts/cart_none").status, 404, "unknown cart")
        empty = new_cart(s).json()
        eq((empty["lines"], empty["coupons"], empty["pricing"]), ([], [], None), "empty cart")


def test_cart_create_refusals():
    with Server() as s:
        r = s.request("POST", "/v1/carts", {"country": "DE"})
        eq((r.status, r.json()["error"]["field"]), (400, "currency"), "currency required")
        r = s.request("POST", "/v1/carts", {"currency": "XXX"})
        eq((r.status, r.json()["error"]["code"]), (400, "unknown_currency"), "bad currency")
        r = s.request("POST", "/v1/carts", {"currency": "EUR", "colour": 1})
        eq((r.status, r.json()["error"]["field"]), (400, "colour"), "unknown key")
        r = s.request("POST", "/v1/carts", {"currency": "EUR", "lines": [{"sku": "SHOE-1", "quantity": 0}]})
        eq((r.status, r.json()["error"]["field"]), (400, "lines[0].quantity"), "quantity 0")
        r = s.request("POST", "/v1/carts", {"currency": "EUR", "lines": [{"sku": "NOPE", "quantity": 1}]})
        eq((r.status, r.json()["error"]["code"]), (400, "no_price"), "unpriceable cart refused")
        r = s.request("POST", "/v1/carts", "[]")
        eq((r.status, r.json()["error"]["code"]), (400, "invalid_json"), "not an object")


def test_cart_lines_coupons_patch():
    with Server() as s:
        cid = new_cart(s).json()["id"]
        base = "/v1/carts/" + cid
        r = s.request("PUT", base + "/lines/SHOE-1", {"quantity": 2})
        eq((r.status, r.json()["version"]), (200, 2), "line added")
        eq(r.header("ETag"), '"2"', "etag follows")
        r = s.request("PUT", base + "/lines/SOCK-3", {"quantity": 3})
        eq([l["sku"] for l in r.json()["lines"]], ["SHOE-1", "SOCK-3"], "two lines")
        r = s.request("PUT", base + "/lines/SHOE-1", {"quantity": 5})
        eq(r.json()["lines"][0], {"sku": "SHOE-1", "quantity": 5}, "quantity replaced")
        r = s.request("PUT", base + "/lines/SOCK-3", {"quantity": 0})
        eq(r.json()["lines"], [{"sku": "SHOE-1", "quantity": 5}], "0 removes")
        r = s.request("PUT", base + "/lines/SHOE-1", {"quantity": -1})
        eq((r.status, r.json()["error"]["field"]), (400, "quantity"), "negative")
        r = s.request("PUT", base + "/lines/NOPE", {"quantity": 1})
        eq((r.status, r.json()["error"]["code"]), (400, "no_price"), "unknown SKU refused")
        v = s.request("GET", base).json()["version"]
        r = s.request("POST", base + "/coupons", {"code": "welcome5"})
        eq(r.status, 200, "coupon")
        r = s.request("POST", base + "/coupons", {"code": "WELCOME5"})
        eq(r.json()["coupons"], ["welcome5"], "case-insensitive, once")
        coupon = [c for c in r.json()["pricing"]["coupons"] if c["code"].lower() == "welcome5"]
        eq(len(coupon), 1, "coupon reported by pricing")
        r = s.request("DELETE", base + "/coupons/Welcome5")
        eq((r.status, r.json()["coupons"]), (200, []), "removed")
        r = s.request("DELETE", base + "/coupons/none")
        eq(r.status, 404, "unknown coupon")
        r = s.request("PATCH", base, {"country": "AT", "shipping_method": "standard"})
        eq((r.status, r.json()["country"], r.json()["pricing"]["shipping"]["method"]),
           (200, "AT", "standard"), "patched")
        r = s.request("PATCH", base, {"shipping_method": None})
        check("shipping_method" not in r.json(), "null clears")
        eq(r.json()["pricing"]["shipping"], None, "no shipping")
        eq(s.request("PATCH", base, {"currency": None}).status, 400, "currency stays")
        eq(s.request("PATCH", base, {"lines": []}).status, 400, "PATCH is context only")
        r = s.request("PATCH", base, {"country": "US", "shipping_method": "standard"})
        eq((r.status, r.json()["error"]["code"]), (400, "shipping_unavailable"), "refused")
        eq(s.request("GET", base).json()["country"], "AT", "refusal stored nothing")
        check(s.request("GET", base).json()["version"] > v, "versions grew")
        eq(s.request("PUT", "/v1/carts/none/lines/A", {"quantity": 1}).status, 404, "unknown cart")


def test_cart_if_match():
    with Server() as s:
        cid = new_cart(s).json()["id"]
        base = "/v1/carts/" + cid
        r = s.request("PUT", base + "/lines/SHOE-1", {"quantity": 1}, headers={"If-Match": '"1"'})
        eq(r.status, 200, "matching If-Match")
        r = s.request("PUT", base + "/lines/SHOE-1", {"quantity": 2}, headers={"If-Match": '"1"'})
        eq((r.status, r.json()["error"]["code"]), (412, "version_conflict"), "stale If-Match")
        eq(s.request("GET", base).json()["lines"][0]["quantity"], 1, "unchanged")
        r = s.request("PATCH", base, {"country": "AT"}, headers={"If-Match": "2"})
        eq(r.status, 400, "malformed If-Match")


def test_cart_concurrent_writers_lose_nothing():
    with Server() as s:
        cid = new_cart(s).json()["id"]
        skus = ["SHOE-1", "SOCK-3", "HAT-5", "SHOE-2"]
        results = []

        def add(sku):
            results.append(s.request("PUT", "/v1/carts/%s/lines/%s" % (cid, sku), {"quantity": 1}).status)

        threads = [threading.Thread(target=add, args=(k,)) for k in skus]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        eq(results, [200] * 4, "all applied")
        cart = s.request("GET", "/v1/carts/" + cid).json()
        eq(sorted(l["sku"] for l in cart["lines"]), sorted(skus), "every line kept")
        eq(cart["version"], 5, "one version per write")


# A ruleset taxed by jurisdiction: HAT 10.00; US-CA 6% state, its ZIP prefix
# 900 adds county 1% and city 2.5%; DE VAT 19%, 0% under reverse charge.
TAX_RULES = {
    "currency": "USD",
    "tax": [
        {"category": "standard", "country": "US", "region": "US-CA", "rates": [{"name": "state", "percent": "6"}]},
        {"category": "standard", "country": "US", "region": "US-CA", "postal_codes": ["900"],
         "rates": [{"name": "state", "percent": "6"}, {"name": "county", "percent": "1"},
                   {"name": "city", "percent": "2.5"}]},
        {"category": "standard", "country": "DE", "rates": [{"name": "VAT", "percent": "19"}]},
        {"category": "standard", "country": "DE", "tax_classes": ["b2b_reverse_charge"],
         "rates": [{"name": "VAT", "percent": "0"}]},
    ],
    "products": [{"sku": "HAT", "prices": "10.00"}],
}


def test_cart_tax_context():
    """Carts keep where and as whom they are taxed (region, postal_code,
    tax_class, tax_exempt) and the customer's id, and price with them."""
    import os
    import tempfile
    with tempfile.TemporaryDirectory(prefix="ecomd-tax-") as d:
        rules = os.path.join(d, "rules.json")
        with open(rules, "w") as f:
            json.dump(TAX_RULES, f)
        with Server(rules=rules) as s:
            r = s.request("POST", "/v1/carts", {
                "currency": "USD", "country": "US", "region": "US-CA", "postal_code": "90012",
                "customer": "cust-42", "lines": [{"sku": "HAT", "quantity": 1}]})
            eq(r.status, 201, "create: %s" % r.body)
            cart = r.json()
            eq((cart["region"], cart["postal_code"], cart["customer"]), ("US-CA", "90012", "cust-42"),
               "stored")
            # 10.00 + 0.60 + 0.10 + 0.25
            eq((cart["pricing"]["tax"], cart["pricing"]["total"]), ("0.95", "10.95"), "ZIP 900 rates")
            eq([t["name"] for t in cart["pricing"]["taxes"]], ["state", "county", "city"], "named")
            base = "/v1/carts/" + cart["id"]
            r = s.request("PATCH", base, {"tax_exempt": True})
            eq((r.status, r.json()["tax_exempt"], r.json()["pricing"]["total"]), (200, True, "10.00"),
               "exempt")
            eq(s.request("PATCH", base, {"tax_exempt": "yes"}).json()["error"]["field"], "tax_exempt",
               "a boolean")
            r = s.request("PATCH", base, {"tax_exempt": None, "postal_code": None})
            check("tax_exempt" not in r.json() and "postal_code" not in r.json(), "null clears")
            eq(r.json()["pricing"]["total"], "10.60", "the state's rate alone")
            r = s.request("PATCH", base, {"country": "DE", "region": None, "tax_class": "b2b_reverse_charge"})
            eq((r.status, r.json()["tax_class"], r.json()["pricing"]["total"]), (200, "b2b_reverse_charge", "10.00"),
               "reverse charge")
            r = s.request("PATCH", base, {"tax_class": None})
            eq(r.json()["pricing"]["total"], "11.90", "VAT again")
            r = s.request("PATCH", base, {"region": "\u0001"})
            eq((r.status, r.json()["error"]["field"]), (400, "region"), "identifier checked")
            got = s.request("GET", base).json()
            eq((got["country"], got["customer"], got.get("region")), ("DE", "cust-42", None), "kept")
            r = s.request("POST", "/v1/carts", {"currency": "USD", "customer": ""})
            eq((r.status, r.json()["error"]["field"]), (400, "customer"), "empty customer refused")
