"""The TypedDicts of ecommerce.documents name exactly the keys the library
reads and writes: every conformance cart's keys are Cart's, and every
result (line, tax, shipping, promotion, coupon) has the required keys of
its type and no other."""

from __future__ import annotations

import unittest
from typing import Any, Dict, Set

from ecommerce import EcommerceError, Ruleset, documents

from . import support


def required(td: Any) -> Set[str]:
    return set(td.__required_keys__)


class TestDocuments(unittest.TestCase):
    def check(self, value: Dict[str, Any], td: Any, where: str) -> None:
        self.assertTrue(required(td) <= set(value), f"{where}: missing {required(td) - set(value)}")
        self.assertTrue(set(value) <= set(td.__required_keys__ | td.__optional_keys__),
                        f"{where}: untyped {set(value) - set(td.__required_keys__ | td.__optional_keys__)}")

    def test_conformance_documents_have_their_types(self):
        seen_v2 = False
        for case in support.load_cases("pricing"):
            cart = case["cart"]
            self.check(cart, documents.Cart, case["name"] + " cart")
            seen_v2 |= "region" in cart or "promotion_spent" in cart
            try:
                with Ruleset(case["rules"]) as rules:
                    result = rules.price(cart)
            except EcommerceError:
                continue
            self.check(result, documents.PriceResult, case["name"])
            for line in result["lines"]:
                self.check(line, documents.PricedLine, case["name"] + " line")
                for t in line["taxes"]:
                    self.check(t, documents.TaxAmount, case["name"] + " line tax")
            for t in result["taxes"]:
                self.check(t, documents.TaxAmount, case["name"] + " tax")
            if result["shipping"] is not None:
                self.check(result["shipping"], documents.Shipping, case["name"] + " shipping")
            for p in result["promotions"]:
                self.check(p, documents.PromotionOutcome, case["name"] + " promotion")
            for c in result["coupons"]:
                self.check(c, documents.CouponOutcome, case["name"] + " coupon")
        self.assertTrue(seen_v2, "no case with the new cart keys")


if __name__ == "__main__":
    unittest.main()
