"""Every pricing conformance case through ecomd: the case's ruleset through
PUT /v1/rules, its cart through POST /v1/price, and the answer equal to the
expected result (or the same refusal: code and field), as the library,
ecom and both packages give it."""
import glob
import json
import os

from ecomd_harness import ROOT, Server, check, eq

CASES = sorted(glob.glob(os.path.join(ROOT, "tests", "conformance", "pricing", "*.json")))


def refusal(r):
    err = r.json()["error"]
    return err["code"], err.get("field")


def expect_refused(case, r, where):
    want = case["expected"]["error"]
    check(400 <= r.status < 500, "%s: %s answered %d, the case expects %s" %
          (case["name"], where, r.status, want["code"]))
    eq(refusal(r), (want["code"], want.get("field")), "%s: %s refusal" % (case["name"], where))


def run_case(s, case):
    """True when the case's ruleset was refused (the cart is not priced)."""
    want_error = "error" in case["expected"]
    r = s.request("PUT", "/v1/rules", case["rules"])
    if r.status != 200:
        check(want_error, "%s: PUT /v1/rules answered %d: %s" % (case["name"], r.status, r.body[:300]))
        expect_refused(case, r, "PUT /v1/rules")
        return True
    r = s.request("POST", "/v1/price", case["cart"])
    if want_error:
        expect_refused(case, r, "POST /v1/price")
    else:
        eq(r.status, 200, "%s: POST /v1/price status (%s)" % (case["name"], r.body[:300]))
        eq(r.json(), case["expected"], "%s: the priced cart" % case["name"])
    return False


def test_every_pricing_case_through_the_service():
    check(len(CASES) > 100, "too few pricing cases in tests/conformance/pricing")
    priced = 0
    with Server() as s:
        for path in CASES:
            with open(path, encoding="utf-8") as f:
                case = json.load(f)
            if not run_case(s, case):
                priced += 1
    check(priced > 100, "only %d cases reached POST /v1/price" % priced)
