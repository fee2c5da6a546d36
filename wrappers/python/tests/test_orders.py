"""Orders through the package: checkout from a priced cart, capture on
shipment, a cancel of the rest with its refund, returns with a fee and the
value of a unit, refusals as exceptions naming the field, custom machines,
the same bytes as ``ecom order create`` / ``ecom order apply``, and threads
sharing a machine.  Amounts are worked out by hand in the comments."""

from __future__ import annotations

import copy
import json
import unittest
from concurrent.futures import ThreadPoolExecutor

import ecommerce
from ecommerce import (
    ConflictError,
    EcommerceError,
    InvalidInputError,
    OrderMachine,
    PricingError,
    Ruleset,
)

from . import support

AT = "2026-11-28T12:00:00Z"
GOLDEN = support.REPO / "tests" / "cli" / "order" / "created.json"

# Without tax: D costs 4.00 and coupon TWO takes 2.00 off the D lines, so
# three D cost 10.00 together; shipping "std" costs 4.90.
SMALL_RULES = {
    "currency": "EUR",
    "products": [{"sku": "A", "prices": {"EUR": "10.00"}}, {"sku": "D", "prices": {"EUR": "4.00"}}],
    "promotions": [{"id": "TWO", "coupon": "TWO", "target": {"skus": ["D"]},
                    "action": {"type": "amount_off_order", "amount": "2.00"}}],
    "shipping": [{"id": "std", "prices": {"EUR": "4.90"}, "countries": ["DE"]}],
}
D3_CART = {"currency": "EUR", "country": "DE", "at": "2026-11-28T10:00:00Z",
           "lines": [{"sku": "D", "quantity": 3}], "coupons": ["TWO"], "shipping_method": "std"}


def examples_cart() -> str:
    return (support.EXAMPLES / "cart.json").read_text(encoding="utf-8")


class Life:
    """An order moved event by event, with numbered event ids."""

    def __init__(self, order, machine=None):
        self.order = order
        self.machine = machine
        self.n = 0

    def event(self, kind, **fields):
        self.n += 1
        return dict({"id": f"e{self.n}", "type": kind, "at": AT}, **fields)

    def apply(self, kind, **fields):
        result = ecommerce.apply(self.order, self.event(kind, **fields), machine=self.machine)
        self.order = result["order"]
        return result

    def refused(self, kind, **fields):
        """Apply an event that must be refused; the order stays as it was."""
        before = copy.deepcopy(self.order)
        try:
            ecommerce.apply(self.order, self.event(kind, **fields), machine=self.machine)
        except EcommerceError as e:
            self.assert_unchanged(before)
            return e
        raise AssertionError(f"{kind} {fields} was not refused")

    def assert_unchanged(self, before):
        if self.order != before:
            raise AssertionError("the caller's order was modified")


def lines(*pairs):
    return [{"sku": s, "quantity": q} for s, q in pairs]


def money_of(order):
    p = order["payment"]
    return [order["balance"], p["authorized"], p["captured"], p["refunded"],
            p["amount_due"], p["refund_due"], p["status"]]


class TestCheckout(unittest.TestCase):
    def setUp(self):
        support.require_feature(self, "orders", "order.h")
        self.rules = Ruleset(support.EXAMPLES / "rules.json")

    def tearDown(self):
        self.rules.close()

    def test_order_from_the_example_cart(self):
        order = ecommerce.create_order(self.rules, examples_cart(), "ord-1")
        with open(GOLDEN, encoding="utf-8") as f:
            self.assertEqual(support.json_diff(json.load(f), order), [])
        self.assertEqual([order["state"], order["version"], order["created_at"], order["history"]],
                         ["pending_payment", 1, "2026-11-28T10:00:00Z", []])
        # the first line as checkout priced it: 2 x 59.90 less 16.02, 19% tax
        self.assertEqual(order["lines"][0], {
            "sku": "SHOE-1", "quantity": 2, "unit_price": "59.90", "subtotal": "119.80",
            "discount": "16.02", "net": "103.78", "tax": "19.72", "total": "123.50",
            "fulfilled": 0, "canceled": 0, "returned": 0})
        self.assertEqual(order["shipping"],
                         {"method": "express", "total": "15.35", "tax": "2.45", "returned": False})
        self.assertEqual([order["subtotal"], order["discount"], order["tax"], order["total"]],
                         ["150.37", "21.97", "26.85", "168.15"])
        self.assertEqual(money_of(order),
                         ["168.15", "0.00", "0.00", "0.00", "168.15", "0.00", "unpaid"])
        self.assertEqual(order["coupons"], ["welcome5"])
        self.assertEqual(order["fulfillment"], "unfulfilled")

    def test_lines_keep_the_priced_amounts(self):
        priced = self.rules.price(examples_cart())
        order = ecommerce.create_order(self.rules, examples_cart(), "ord-1")
        keys = ["sku", "quantity", "unit_price", "subtotal", "discount", "net", "tax", "total"]
        self.assertEqual([{k: l[k] for k in keys} for l in order["lines"]],
                         [{k: l[k] for k in keys} for l in priced["lines"]])
        for k in ("subtotal", "discount", "tax", "total", "currency"):
            self.assertEqual(order[k], priced[k], k)
        applied = [{"id": p["id"], "amount": p["amount"]} for p in priced["promotions"]
                   if p["applied"] and p["amount"] != "0.00"]
        self.assertEqual(order["promotions"], applied)

    def test_generated_id_and_ruleset_sources(self):
        a = ecommerce.create_order(self.rules, examples_cart())
        b = ecommerce.create_order(support.EXAMPLES / "rules.json", json.loads(examples_cart()))
        for order in (a, b):
            self.assertRegex(order["id"], r"^ord_[0-9a-f]{32}$")
        self.assertNotEqual(a["id"], b["id"])
        self.assertRegex(ecommerce.orders.new_order_id(), r"^ord_[0-9a-f]{32}$")

    def test_refusals(self):
        unknown = {"currency": "EUR", "at": "2026-11-28T10:00:00Z", "lines": [{"sku": "NOPE", "quantity": 1}]}
        with self.assertRaises(PricingError) as cm:
            ecommerce.create_order(self.rules, unknown, "o")
        self.assertEqual((cm.exception.code, cm.exception.field), ("no_price", "lines[0].sku"))
        for bad_id in ("", "a\nb", "a\0b", "x" * 129):
            with self.assertRaises(InvalidInputError, msg=repr(bad_id)) as cm:
                ecommerce.create_order(self.rules, examples_cart(), bad_id)
            self.assertEqual((cm.exception.code, cm.exception.field), ("invalid_field", "id"))
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.create_order(self.rules, "{", "o")
        self.assertEqual(cm.exception.code, "invalid_json")
        with self.assertRaises(TypeError):
            ecommerce.create_order(self.rules, examples_cart(), 7)
        closed = Ruleset(support.EXAMPLES / "rules.json")
        closed.close()
        with self.assertRaises(ValueError):
            ecommerce.create_order(closed, examples_cart(), "o")

    def test_same_bytes_as_ecom_order_create(self):
        support.require_ecom(self)
        run = support.ecom_run(["order", "create", "--rules", str(support.EXAMPLES / "rules.json"),
                                "--id", "ord-1", str(support.EXAMPLES / "cart.json")])
        self.assertEqual(run.returncode, 0, run.stderr)
        text = ecommerce.create_order_json(self.rules, examples_cart(), "ord-1")
        self.assertEqual(text, run.stdout.decode().rstrip("\n"))
        self.assertEqual(text, GOLDEN.read_text(encoding="utf-8").rstrip("\n"))
        bad = b'{"currency": "EUR", "at": "2026-11-28T10:00:00Z", "lines": [{"sku": "NOPE", "quantity": 1}]}'
        run = support.ecom_run(["order", "create", "--rules", str(support.EXAMPLES / "rules.json"),
                                "--id", "o", "-"], stdin=bad)
        self.assertEqual(run.returncode, 1)
        with self.assertRaises(EcommerceError) as cm:
            ecommerce.create_order(self.rules, bad, "o")
        self.assertEqual(cm.exception.to_dict(), json.loads(run.stdout))


class TestEvents(unittest.TestCase):
    def setUp(self):
        support.require_feature(self, "orders", "order.h")
        self.rules = Ruleset(support.EXAMPLES / "rules.json")
        self.life = Life(ecommerce.create_order(self.rules, examples_cart(), "ord-1"))

    def tearDown(self):
        self.rules.close()

    def test_capture_on_shipment_then_cancel_the_rest(self):
        life = self.life
        r = life.apply("authorize", amount="168.15")
        self.assertEqual([r["order"]["state"], r["effects"], r["duplicate"]], ["processing", [], False])
        self.assertEqual(money_of(r["order"]), ["168.15", "168.15", "0.00", "0.00", "168.15", "0.00", "authorized"])
        # ship the shoes, capture what shipped: 123.50 + 15.35 shipping
        r = life.apply("fulfill", lines=lines(("SHOE-1", 2)))
        self.assertEqual(r["effects"], [{"type": "ship_stock", "lines": lines(("SHOE-1", 2))}])
        self.assertEqual(r["order"]["fulfillment"], "partially_fulfilled")
        r = life.apply("capture", amount="138.85")
        self.assertEqual(money_of(r["order"]), ["168.15", "168.15", "138.85", "0.00", "29.30", "0.00", "partially_paid"])
        # the socks (11.44) and the hat (17.86) are canceled: 29.30 less to
        # pay, so 29.30 of the authorization is released
        r = life.apply("cancel")
        self.assertEqual(r["effects"], [
            {"type": "release_stock", "lines": lines(("SOCK-3", 3), ("HAT-5", 1))},
            {"type": "void_payment", "amount": "29.30"}])
        self.assertEqual(money_of(r["order"]), ["138.85", "168.15", "138.85", "0.00", "0.00", "0.00", "paid"])
        self.assertEqual([r["order"]["state"], r["order"]["fulfillment"]], ["processing", "fulfilled"])
        r = life.apply("void")
        self.assertEqual(r["order"]["payment"]["authorized"], "138.85")
        self.assertEqual(life.apply("deliver")["order"]["state"], "delivered")
        # one shoe back with a 5.00 fee: floor(123.50 * 1 / 2) = 61.75 - 5.00
        r = life.apply("return", lines=lines(("SHOE-1", 1)), fee="5.00")
        self.assertEqual(r["effects"], [{"type": "restock", "lines": lines(("SHOE-1", 1))},
                                        {"type": "refund_payment", "amount": "56.75"}])
        self.assertEqual(money_of(r["order"]), ["82.10", "138.85", "138.85", "0.00", "0.00", "56.75", "refund_due"])
        r = life.apply("refund")
        self.assertEqual(money_of(r["order"]), ["82.10", "138.85", "138.85", "56.75", "0.00", "0.00", "paid"])
        r = life.apply("complete")
        self.assertEqual([r["order"]["state"], r["order"]["version"]], ["completed", 10])
        self.assertEqual([h["event"] for h in r["order"]["history"]],
                         ["authorize", "fulfill", "capture", "cancel", "void", "deliver",
                          "return", "refund", "complete"])

    def test_cancel_of_the_rest_after_a_sale_raises_a_refund(self):
        life = self.life
        r = life.apply("capture")  # no authorization open: a sale of what is due
        self.assertEqual(money_of(r["order"]), ["168.15", "168.15", "168.15", "0.00", "0.00", "0.00", "paid"])
        life.apply("fulfill", lines=lines(("SHOE-1", 2)))
        r = life.apply("cancel")
        self.assertEqual(r["effects"], [
            {"type": "release_stock", "lines": lines(("SOCK-3", 3), ("HAT-5", 1))},
            {"type": "refund_payment", "amount": "29.30"}])
        self.assertEqual(money_of(r["order"]), ["138.85", "168.15", "168.15", "0.00", "0.00", "29.30", "refund_due"])
        self.assertEqual([l["canceled"] for l in r["order"]["lines"]], [0, 3, 1])
        r = life.apply("refund", amount="29.30")
        self.assertEqual(r["effects"], [])
        self.assertEqual(r["order"]["payment"]["status"], "paid")

    def test_units_returned_one_by_one_give_back_the_line_total(self):
        # 10.00 for 3 units: 3.33, 3.33, then 3.34, and the shipping with
        # the last return: everything captured goes back
        life = Life(ecommerce.create_order(SMALL_RULES, D3_CART, "o-3"))
        self.assertEqual(life.order["total"], "14.90")
        life.apply("capture")
        life.apply("fulfill", lines=lines(("D", 3)))
        refunds = []
        for i in range(3):
            ship = {"shipping": True} if i == 2 else {}
            r = life.apply("return", lines=lines(("D", 1)), **ship)
            refunds.append(r["effects"][-1]["amount"])
            life.apply("refund")
        self.assertEqual(refunds, ["3.33", "3.33", "8.24"])  # 3.34 + 4.90
        self.assertEqual(money_of(life.order), ["0.00", "14.90", "14.90", "14.90", "0.00", "0.00", "refunded"])
        self.assertEqual(life.order["shipping"]["returned"], True)

    def test_duplicate_event_changes_nothing(self):
        ev = self.life.event("authorize", amount="100.00")
        first = ecommerce.apply(self.life.order, ev)
        again = ecommerce.apply(first["order"], ev)
        self.assertEqual([again["duplicate"], again["effects"]], [True, []])
        self.assertEqual(again["order"], first["order"])

    def test_refusals_name_the_field(self):
        life = self.life
        life.apply("authorize", amount="100.00")
        cases = [
            (("capture", {"amount": "200.00"}), "amount"),          # beyond the 168.15 due
            (("capture", {"amount": "100.01"}), "amount"),          # beyond the authorization
            (("authorize", {"amount": "68.16"}), "amount"),         # 100.00 + 68.16 > 168.15
            (("authorize", {"amount": "0.00"}), "amount"),
            (("fulfill", {"lines": lines(("SHOE-1", 3))}), "lines[0].quantity"),
            (("fulfill", {"lines": lines(("NOPE", 1))}), "lines[0].sku"),
            (("fulfill", {}), "lines"),
            (("fulfill", {"lines": lines(("HAT-5", 1)), "amount": "1.00"}), "amount"),
            (("cancel", {"fee": "1.00"}), "fee"),
            (("return", {"lines": lines(("SHOE-1", 1))}), "lines[0].quantity"),  # nothing shipped
            (("refund", {}), "amount"),                              # nothing due
        ]
        for (kind, fields), field in cases:
            e = life.refused(kind, **fields)
            self.assertIsInstance(e, InvalidInputError, (kind, fields))
            self.assertEqual((e.code, e.field), ("invalid_field", field), (kind, fields, e.message))
        life.apply("fulfill", lines=lines(("HAT-5", 1)))
        e = life.refused("return", lines=lines(("HAT-5", 1)), fee="17.87")  # the hat is worth 17.86
        self.assertEqual((e.code, e.field), ("invalid_field", "fee"))
        e = life.refused("deliver")
        self.assertIsInstance(e, ConflictError)
        self.assertEqual((e.code, e.field), ("invalid_transition", None))
        self.assertIn("all_lines_fulfilled", e.message)
        e = life.refused("complete")
        self.assertEqual(e.code, "invalid_transition")
        self.assertIn("allowed: authorize, capture, void", e.message)
        e = life.refused("capture", expected_version=1)
        self.assertEqual((e.code, e.field), ("version_conflict", "expected_version"))
        life.apply("void")
        e = life.refused("void")  # no authorization open: no single field at fault
        self.assertEqual((e.code, e.field), ("invalid_field", None))

    def test_order_documents_are_validated(self):
        order = copy.deepcopy(self.life.order)
        order["lines"][0]["net"] = "103.77"
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.apply(order, self.life.event("capture"))
        self.assertEqual(cm.exception.field, "order.lines[0].net")
        order = dict(self.life.order, balance="1.00")
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.apply(order, self.life.event("capture"))
        self.assertEqual(cm.exception.field, "order.balance")
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.apply(self.life.order, "{not json")
        self.assertEqual(cm.exception.code, "invalid_json")
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.apply(self.life.order, self.life.event("capture", amount=168.15))
        self.assertEqual(cm.exception.field, "amount")  # money is a string

    def test_caller_order_is_not_modified(self):
        order = self.life.order
        snapshot = json.dumps(order, sort_keys=True)
        ecommerce.apply(order, self.life.event("capture"))
        self.assertEqual(json.dumps(order, sort_keys=True), snapshot)

    def test_same_bytes_as_ecom_order_apply(self):
        support.require_ecom(self)
        life = self.life
        life.apply("capture")
        ev = life.event("fulfill", lines=lines(("SHOE-1", 1)))
        with support.temp_dir() as tmp:
            o = support.write_json(tmp, "order.json", life.order)
            run = support.ecom_run(["order", "apply", "--order", o, support.write_json(tmp, "e.json", ev)])
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(OrderMachine.default().apply_json(life.order, ev), run.stdout.decode().rstrip("\n"))
            bad = life.event("refund", amount="168.16")
            run = support.ecom_run(["order", "apply", "--order", o, support.write_json(tmp, "bad.json", bad)])
            self.assertEqual(run.returncode, 1)
            with self.assertRaises(EcommerceError) as cm:
                ecommerce.apply(life.order, bad)
            self.assertEqual(cm.exception.to_dict(), json.loads(run.stdout))
            self.assertEqual(cm.exception.field, "amount")


class TestMachines(unittest.TestCase):
    def setUp(self):
        support.require_feature(self, "orders", "order.h")

    def test_default_machine_document(self):
        doc = ecommerce.default_machine()
        self.assertEqual([doc["initial"], doc["final"]], ["pending_payment", ["completed"]])
        self.assertEqual(len(doc["transitions"]), 25)
        self.assertNotIn("effects", json.dumps(doc))
        support.require_ecom(self)
        run = support.ecom_run(["order", "machine"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(OrderMachine.default().to_json(), run.stdout.decode().rstrip("\n"))

    def test_custom_machine(self):
        doc = {"initial": "new", "transitions": [
            {"from": ["new"], "event": "capture", "to": "paid", "guard": "amount_covers_total"},
            {"from": ["paid"], "event": "fulfill", "to": "shipped", "guard": "all_lines_fulfilled"},
        ], "final": ["shipped"]}
        order = ecommerce.create_order(SMALL_RULES, D3_CART, "o-3")
        order["state"] = "new"
        with OrderMachine(doc) as machine:
            self.assertEqual(machine.to_dict(), doc)
            life = Life(order, machine)
            # the guard: a capture that leaves something due is not enough
            e = life.refused("capture", amount="10.00")
            self.assertEqual(e.code, "invalid_transition")
            self.assertIn("amount_covers_total", e.message)
            life.apply("capture")
            e = life.refused("fulfill", lines=lines(("D", 1)))
            self.assertIn("all_lines_fulfilled", e.message)
            r = life.apply("fulfill", lines=lines(("D", 3)))
            # the money and units rules are the library's in any machine
            self.assertEqual([r["order"]["state"], r["effects"]],
                             ["shipped", [{"type": "ship_stock", "lines": lines(("D", 3))}]])
            e = life.refused("refund", amount="1.00")
            self.assertEqual(e.code, "invalid_transition")
            self.assertIn("none (shipped is final)", e.message)
        self.assertTrue(machine.closed)
        with self.assertRaises(ValueError):
            machine.apply(order, Life(order).event("capture"))
        for source in (json.dumps(doc), json.dumps(doc).encode()):
            with OrderMachine(source) as m:
                self.assertEqual(m.to_dict(), doc)

    def test_printed_default_loads_as_a_custom_machine(self):
        with OrderMachine(OrderMachine.default().to_json()) as custom:
            self.assertEqual(custom.to_json(), OrderMachine.default().to_json())
            order = ecommerce.create_order(SMALL_RULES, D3_CART, "o-3")
            ev = Life(order).event("capture", amount="4.90")
            self.assertEqual(custom.apply_json(order, ev), OrderMachine.default().apply_json(order, ev))

    def test_invalid_machines_name_the_field(self):
        bad = {"initial": "new", "transitions": [{"from": ["new"], "event": "go", "to": "x", "guard": "nope"}]}
        with self.assertRaises(EcommerceError) as cm:
            OrderMachine(bad)
        self.assertEqual(cm.exception.field, "transitions[0].guard")
        with_effects = {"initial": "new", "transitions": [
            {"from": ["new"], "event": "fulfill", "to": "shipped", "effects": ["ship_stock"]}]}
        with self.assertRaises(InvalidInputError) as cm:
            OrderMachine(with_effects)
        self.assertEqual(cm.exception.field, "transitions[0].effects[0]")
        self.assertIn("follow from the event", cm.exception.message)

    def test_default_machine_close_is_harmless(self):
        OrderMachine.default().close()
        self.assertEqual(OrderMachine.default().to_dict()["initial"], "pending_payment")


class TestThreads(unittest.TestCase):
    """Many threads, one machine (the default and a custom one): each thread
    takes its own orders through a whole life; the answers are a single
    thread's."""

    def setUp(self):
        support.require_feature(self, "orders", "order.h")
        self.rules = Ruleset(SMALL_RULES)

    def tearDown(self):
        self.rules.close()

    def one_life(self, machine, i):
        cart = dict(D3_CART, lines=[{"sku": "D", "quantity": 3}, {"sku": "A", "quantity": 1 + i % 4}])
        life = Life(ecommerce.create_order(self.rules, cart, f"o-{i}"), machine)
        life.apply("authorize", amount=life.order["total"])
        life.apply("fulfill", lines=lines(("D", 3)))
        life.apply("capture", amount="14.90")  # the shipped units and the shipping
        effects = life.apply("cancel")["effects"]
        life.apply("void")
        life.apply("deliver")
        effects += life.apply("return", lines=lines(("D", 1 + i % 3)), fee="1.00")["effects"]
        life.apply("refund")
        return json.dumps([life.order, effects])

    def test_threads_share_a_machine(self):
        default = OrderMachine.default()
        with OrderMachine(default.to_json()) as custom:
            work = [(default if i % 2 else custom, i) for i in range(400)]
            single = [self.one_life(m, i) for m, i in work]
            with ThreadPoolExecutor(max_workers=8) as pool:
                parallel = list(pool.map(lambda w: self.one_life(*w), work))
        self.assertEqual(parallel, single)
        last = json.loads(single[-1])[0]
        self.assertEqual([last["state"], last["payment"]["status"]], ["delivered", "paid"])
        self.assertEqual(last["id"], "o-399")


if __name__ == "__main__":
    unittest.main()
