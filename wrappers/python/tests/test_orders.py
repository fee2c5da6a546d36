"""Orders through the package: the default machine, a custom machine, events
that move an order, errors as exceptions, and the same bytes as ``ecom``."""

from __future__ import annotations

import json
import unittest
from concurrent.futures import ThreadPoolExecutor

import ecommerce
from ecommerce import ConflictError, EcommerceError, InvalidInputError, OrderMachine

from . import support

AT = "2026-11-28T10:00:00Z"


def new_order(**changes):
    order = {"id": "o-1", "state": "pending_payment", "version": 0, "currency": "EUR",
             "total": "30.00", "lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}]}
    order.update(changes)
    return order


def event(eid, kind, **fields):
    return dict({"id": eid, "type": kind, "at": AT}, **fields)


class TestOrders(unittest.TestCase):
    def setUp(self):
        support.require_feature(self, "orders", "order.h")

    def test_default_machine_document(self):
        doc = ecommerce.default_machine()
        self.assertEqual(doc["initial"], "pending_payment")
        events = {t["event"] for t in doc["transitions"]}
        self.assertTrue({"authorize", "capture", "fulfill", "cancel", "refund"} <= events)
        support.require_ecom(self)
        run = support.ecom_run(["order", "machine"])
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(OrderMachine.default().to_json(), run.stdout.decode().rstrip("\n"))

    def test_happy_path_with_effects(self):
        order = new_order()
        steps = [
            (event("e1", "capture", amount="30.00"), "paid", []),
            (event("e2", "fulfill", lines=[{"sku": "A", "quantity": 1}]), "partially_fulfilled", ["ship_stock"]),
            (event("e3", "fulfill", lines=[{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": 1}]),
             "fulfilled", ["ship_stock"]),
            (event("e4", "deliver"), "delivered", []),
        ]
        for version, (ev, state, effects) in enumerate(steps, start=1):
            result = ecommerce.apply(order, ev)
            self.assertEqual(result["order"]["state"], state, ev)
            self.assertEqual(result["order"]["version"], version)
            self.assertEqual(result["effects"], effects)
            self.assertIs(result["duplicate"], False)
            order = result["order"]
        self.assertEqual([h["event_id"] for h in order["history"]], ["e1", "e2", "e3", "e4"])
        self.assertEqual(order["payment"]["captured"], "30.00")

    def test_duplicate_event_changes_nothing(self):
        first = ecommerce.apply(new_order(), event("e1", "authorize", amount="30.00"))
        again = ecommerce.apply(first["order"], event("e1", "authorize", amount="30.00"))
        self.assertIs(again["duplicate"], True)
        self.assertEqual(again["effects"], [])
        self.assertEqual(again["order"], first["order"])

    def test_errors_map_to_exceptions(self):
        order = new_order()
        with self.assertRaises(ConflictError) as cm:
            ecommerce.apply(order, event("e1", "deliver"))
        self.assertEqual(cm.exception.code, "invalid_transition")
        self.assertIn("authorize", cm.exception.message)  # names the events allowed now
        with self.assertRaises(ConflictError) as cm:
            ecommerce.apply(order, event("e1", "authorize", amount="30.00", expected_version=3))
        self.assertEqual((cm.exception.code, cm.exception.field), ("version_conflict", "expected_version"))
        paid = ecommerce.apply(order, event("e1", "capture", amount="30.00"))["order"]
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.apply(paid, event("e2", "fulfill", lines=[{"sku": "A", "quantity": 5}]))
        self.assertEqual((cm.exception.code, cm.exception.field), ("invalid_field", "lines[0].quantity"))
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.apply(dict(order, lines=[{"sku": "A"}]), event("e1", "authorize"))
        self.assertTrue(cm.exception.field.startswith("order."), cm.exception.field)
        with self.assertRaises(InvalidInputError) as cm:
            ecommerce.apply(order, "{not json")
        self.assertEqual(cm.exception.code, "invalid_json")

    def test_caller_order_is_not_modified(self):
        order = new_order()
        snapshot = json.dumps(order, sort_keys=True)
        ecommerce.apply(order, event("e1", "authorize", amount="30.00"))
        self.assertEqual(json.dumps(order, sort_keys=True), snapshot)

    def test_custom_machine(self):
        doc = {"initial": "new", "transitions": [
            {"from": ["new"], "event": "approve", "to": "approved"},
            {"from": ["approved"], "event": "ship", "to": "shipped", "effects": ["ship_stock"]},
        ]}
        with OrderMachine(doc) as machine:
            self.assertEqual(machine.to_dict()["initial"], "new")
            order = new_order(state="new")
            r = machine.apply(order, event("e1", "approve"))
            self.assertEqual(r["order"]["state"], "approved")
            r = ecommerce.apply(r["order"], event("e2", "ship"), machine=machine)
            self.assertEqual((r["order"]["state"], r["effects"]), ("shipped", ["ship_stock"]))
            with self.assertRaises(ConflictError):
                machine.apply(order, event("e1", "authorize"))
        self.assertTrue(machine.closed)
        with self.assertRaises(ValueError):
            machine.apply(order, event("e1", "approve"))
        for source in (json.dumps(doc), json.dumps(doc).encode()):
            with OrderMachine(source) as m:
                self.assertEqual(m.to_dict(), OrderMachine(doc).to_dict())

    def test_invalid_machine_names_the_field(self):
        bad = {"initial": "new", "transitions": [{"from": ["new"], "event": "go", "to": "x", "guard": "nope"}]}
        with self.assertRaises(EcommerceError) as cm:
            OrderMachine(bad)
        self.assertEqual(cm.exception.field, "transitions[0].guard")

    def test_default_machine_close_is_harmless(self):
        machine = OrderMachine.default()
        machine.close()
        self.assertEqual(OrderMachine.default().to_dict()["initial"], "pending_payment")

    def test_same_bytes_as_ecom(self):
        support.require_ecom(self)
        order = new_order()
        ev = event("e1", "capture", amount="30.00")
        with support.temp_dir() as tmp:
            o = support.write_json(tmp, "order.json", order)
            e = support.write_json(tmp, "event.json", ev)
            run = support.ecom_run(["order", "apply", "--order", o, e])
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertEqual(OrderMachine.default().apply_json(order, ev), run.stdout.decode().rstrip("\n"))
            bad = support.write_json(tmp, "bad.json", event("e1", "deliver"))
            run = support.ecom_run(["order", "apply", "--order", o, bad])
            self.assertEqual(run.returncode, 1)
            with self.assertRaises(EcommerceError) as cm:
                ecommerce.apply(order, event("e1", "deliver"))
            self.assertEqual(cm.exception.to_dict(), json.loads(run.stdout))

    def test_threads_share_a_machine(self):
        machine = OrderMachine.default()

        def run(i):
            order = new_order(id=f"o-{i}")
            r = machine.apply(order, event(f"e{i}", "capture", amount="30.00"))
            return r["order"]["state"], r["order"]["id"]

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(run, range(1000)))
        self.assertEqual(results, [("paid", f"o-{i}") for i in range(1000)])


if __name__ == "__main__":
    unittest.main()
