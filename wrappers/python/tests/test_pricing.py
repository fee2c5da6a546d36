"""Pricing through the package: every conformance case, the same documents
as ``ecom``, every way of giving a ruleset or a cart, and errors."""

from __future__ import annotations

import json
import os
import pathlib
import unittest

import ecommerce
from ecommerce import EcommerceError, InvalidInputError, PricingError, Ruleset

from . import support

CASES = support.load_cases("pricing")


def expected_error(case):
    err = case["expected"].get("error")
    return (err["code"], err.get("field")) if err else None


def price_case(case):
    """(result dict, None) or (None, exception) for one case."""
    try:
        with Ruleset(case["rules"]) as rules:
            return rules.price(case["cart"]), None
    except EcommerceError as exc:
        return None, exc


class TestConformance(unittest.TestCase):
    def test_there_are_cases(self):
        self.assertGreater(len(CASES), 100, f"too few cases in {support.CONFORMANCE / 'pricing'}")

    def test_every_case_matches_expected(self):
        for case in CASES:
            with self.subTest(case=case["name"]):
                result, exc = price_case(case)
                want_err = expected_error(case)
                if want_err:
                    self.assertIsNone(result, "priced a cart the case expects refused")
                    self.assertEqual((exc.code, exc.field), want_err)
                    self.assertTrue(exc.message, "an error needs a message")
                    self.assertIsInstance(exc, ecommerce.errors.error_class(exc.code))
                else:
                    self.assertIsNone(exc, f"refused: {exc!r}")
                    diff = support.json_diff(case["expected"], result)
                    self.assertEqual(diff, [], "\n".join(diff[:25]))

    def test_documents_are_ecom_bytes(self):
        """price_json() gives exactly the bytes ``ecom cart price`` prints, and a
        refusal carries the same code, field and message as ecom's document."""
        support.require_ecom(self)
        with support.temp_dir() as tmp:
            for case in CASES:
                with self.subTest(case=case["name"]):
                    rules_path = support.write_json(tmp, "rules.json", case["rules"])
                    cart_path = support.write_json(tmp, "cart.json", case["cart"])
                    run = support.ecom_run(["cart", "price", "--rules", rules_path, cart_path])
                    printed = run.stdout.decode("utf-8").rstrip("\n")
                    try:
                        with Ruleset(pathlib.Path(rules_path)) as rules:
                            mine = rules.price_json(pathlib.Path(cart_path).read_bytes())
                        self.assertEqual(run.returncode, 0, run.stderr)
                        self.assertEqual(mine, printed)
                    except EcommerceError as exc:
                        self.assertEqual(run.returncode, 1, "ecom priced what the package refused")
                        self.assertEqual(exc.to_dict(), json.loads(printed))

    def test_reused_pricer_gives_identical_documents(self):
        # One thread, one pricer, every case twice in a row and interleaved:
        # nothing left behind by one cart may show in the next.
        first = {}
        for case in CASES:
            if expected_error(case):
                continue
            with Ruleset(case["rules"]) as rules:
                first[case["name"]] = rules.price_json(case["cart"])
        for case in reversed(CASES):
            if case["name"] in first:
                with Ruleset(case["rules"]) as rules:
                    self.assertEqual(rules.price_json(case["cart"]), first[case["name"]])


class TestInputs(unittest.TestCase):
    RULES_FILE = support.EXAMPLES / "rules.json"

    def setUp(self):
        self.rules_doc = json.loads(self.RULES_FILE.read_text(encoding="utf-8"))
        self.want = Ruleset(self.RULES_FILE).price(support.SAMPLE_CART)

    def test_ruleset_sources_agree(self):
        sources = {
            "dict": lambda: Ruleset(self.rules_doc),
            "json str": lambda: Ruleset(json.dumps(self.rules_doc)),
            "json bytes": lambda: Ruleset(json.dumps(self.rules_doc).encode()),
            "str path": lambda: Ruleset(str(self.RULES_FILE)),
            "Path": lambda: Ruleset(self.RULES_FILE),
            "from_dict": lambda: Ruleset.from_dict(self.rules_doc),
            "from_json": lambda: Ruleset.from_json(json.dumps(self.rules_doc)),
            "from_file": lambda: Ruleset.from_file(str(self.RULES_FILE)),
        }
        for name, make in sources.items():
            with self.subTest(source=name), make() as rules:
                self.assertEqual(rules.price(support.SAMPLE_CART), self.want)

    def test_cart_forms_agree(self):
        text = json.dumps(support.SAMPLE_CART)
        with Ruleset(self.RULES_FILE) as rules:
            self.assertEqual(rules.price(text), self.want)
            self.assertEqual(rules.price(text.encode()), self.want)
            self.assertEqual(rules.price(bytearray(text.encode())), self.want)
            self.assertEqual(json.loads(rules.price_json(support.SAMPLE_CART)), self.want)

    def test_result_values(self):
        self.assertEqual(self.want["currency"], "EUR")
        self.assertEqual([line["sku"] for line in self.want["lines"]], ["SHOE-1", "SOCK-3"])
        self.assertIsInstance(self.want["total"], str)
        self.assertEqual(self.want["shipping"]["method"], "standard")

    def test_module_level_price(self):
        self.assertEqual(ecommerce.price(self.rules_doc, support.SAMPLE_CART), self.want)
        with Ruleset(self.rules_doc) as rules:
            self.assertEqual(ecommerce.price(rules, support.SAMPLE_CART), self.want)

    def test_ruleset_introspection(self):
        with Ruleset(self.RULES_FILE) as rules:
            self.assertEqual(rules.currency, "EUR")
            self.assertEqual(rules.counts, {"products": 5, "price_lists": 1, "promotions": 5})
            self.assertIn("5 products", repr(rules))

    def test_unicode_survives(self):
        rules_doc = dict(self.rules_doc)
        rules_doc["products"] = self.rules_doc["products"] + [
            {"sku": "TÉ-🍵", "prices": {"EUR": "3.10"}}
        ]
        cart = {"id": "café-1", "currency": "EUR", "at": "2026-11-28T10:00:00Z",
                "lines": [{"sku": "TÉ-🍵", "quantity": 1}]}
        with Ruleset(rules_doc) as rules:
            result = rules.price(cart)
        self.assertEqual(result["id"], "café-1")
        self.assertEqual(result["lines"][0]["sku"], "TÉ-🍵")


class TestErrors(unittest.TestCase):
    def setUp(self):
        self.rules = Ruleset(support.EXAMPLES / "rules.json")

    def tearDown(self):
        self.rules.close()

    def test_invalid_field_carries_path(self):
        cart = dict(support.SAMPLE_CART, lines=[{"sku": "SHOE-1", "quantity": 0}])
        with self.assertRaises(InvalidInputError) as cm:
            self.rules.price(cart)
        e = cm.exception
        self.assertEqual((e.code, e.field), ("invalid_field", "lines[0].quantity"))
        self.assertTrue(e.message)
        self.assertEqual(e.status, 2)
        self.assertIn("lines[0].quantity", str(e))
        self.assertEqual(e.to_dict()["error"]["field"], "lines[0].quantity")

    def test_invalid_json_has_no_field(self):
        with self.assertRaises(InvalidInputError) as cm:
            self.rules.price('{"currency": "EUR",')
        self.assertEqual(cm.exception.code, "invalid_json")
        self.assertIsNone(cm.exception.field)
        self.assertNotIn("field", cm.exception.to_dict()["error"])

    def test_pricing_family(self):
        cart = dict(support.SAMPLE_CART, lines=[{"sku": "NOPE", "quantity": 1}])
        with self.assertRaises(PricingError) as cm:
            self.rules.price(cart)
        self.assertEqual((cm.exception.code, cm.exception.field), ("no_price", "lines[0].sku"))
        cart = dict(support.SAMPLE_CART, shipping_method="teleport")
        with self.assertRaises(PricingError) as cm:
            self.rules.price(cart)
        self.assertEqual(cm.exception.code, "unknown_shipping_method")

    def test_every_error_is_an_ecommerce_error(self):
        with self.assertRaises(EcommerceError):
            self.rules.price({"currency": "EUR"})

    def test_bad_ruleset(self):
        with self.assertRaises(InvalidInputError) as cm:
            Ruleset({"currency": "EUR", "promotions": [{"id": "X", "action": {"type": "percent_off", "percent": "120"}}]})
        self.assertEqual(cm.exception.field, "promotions[0].action.percent")
        with self.assertRaises(InvalidInputError) as cm:
            Ruleset({"currency": "EUR", "bogus": 1})
        self.assertEqual((cm.exception.code, cm.exception.field), ("invalid_field", "bogus"))
        with self.assertRaises(EcommerceError) as cm:
            Ruleset('{"currency": "XXX"}')
        self.assertEqual(cm.exception.code, "unknown_currency")

    def test_wrong_python_types(self):
        with self.assertRaises(TypeError):
            self.rules.price(42)
        with self.assertRaises(TypeError):
            Ruleset(3.5)
        with self.assertRaises(ValueError):
            self.rules.price({"currency": "EUR", "n": float("nan")})
        with self.assertRaises(FileNotFoundError):
            Ruleset("no/such/rules.json")

    def test_closed_ruleset(self):
        rules = Ruleset(support.EXAMPLES / "rules.json")
        rules.close()
        rules.close()  # idempotent
        self.assertTrue(rules.closed)
        with self.assertRaises(ValueError):
            rules.price(support.SAMPLE_CART)
        with Ruleset(support.EXAMPLES / "rules.json") as rules:
            rules.price(support.SAMPLE_CART)
        self.assertTrue(rules.closed)

    def test_library_is_found(self):
        self.assertEqual(ecommerce.library_version().split(".")[0], "0")
        self.assertTrue(os.path.exists(ecommerce.library_path()) or "/" not in ecommerce.library_path())


if __name__ == "__main__":
    unittest.main()
