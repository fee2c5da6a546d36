"""Inventory through the package: every conformance case, the same result
lines as ``ecom inventory apply``, errors as exceptions, and one inventory
shared by threads."""

from __future__ import annotations

import json
import threading
import unittest

import ecommerce
from ecommerce import EcommerceError, Inventory, NotFoundError, StockError

from . import support

CASES = support.load_cases("inventory")
AT = "2026-11-28T10:00:00Z"


def check_result(test, op, want, got):
    """The comparison rules of the conformance README."""
    test.assertIs(got["ok"], want["ok"], f"{op} -> {got}")
    if not want["ok"]:
        test.assertEqual(got["error"]["code"], want["code"], got)
        test.assertTrue(got["error"]["message"])
    if op["op"] == "available" and want["ok"]:
        test.assertEqual((got["available"], got["locations"]), (want["available"], want["locations"]))
    if op["op"] == "reserve" and want["ok"]:
        test.assertIs(got["duplicate"], want["duplicate"])


class TestInventoryConformance(unittest.TestCase):
    def setUp(self):
        support.require_feature(self, "inventory", "inventory.h")

    def test_there_are_cases(self):
        self.assertGreater(len(CASES), 10, f"too few cases in {support.CONFORMANCE / 'inventory'}")

    def test_every_case(self):
        for case in CASES:
            with self.subTest(case=case["name"]), Inventory(case["state"]) as inv:
                self.assertEqual(len(case["ops"]), len(case["expected"]))
                for i, (op, want) in enumerate(zip(case["ops"], case["expected"])):
                    with self.subTest(op=i):
                        try:
                            got = inv.apply(op)
                        except EcommerceError as exc:
                            self.assertFalse(want["ok"], f"op {i} refused: {exc!r}")
                            self.assertEqual(exc.code, want["code"])
                            got = dict(exc.to_dict(), ok=False)
                        check_result(self, op, want, got)

    def test_same_lines_as_ecom(self):
        support.require_ecom(self)
        with support.temp_dir() as tmp:
            for case in CASES:
                with self.subTest(case=case["name"]):
                    state = support.write_json(tmp, "state.json", case["state"])
                    ops = f"{tmp}/ops.jsonl"
                    with open(ops, "w", encoding="utf-8") as f:
                        f.writelines(json.dumps(op) + "\n" for op in case["ops"])
                    run = support.ecom_run(["inventory", "apply", "--state", state, ops,
                                            "--state-out", f"{tmp}/after.json"])
                    self.assertIn(run.returncode, (0, 3), run.stderr)
                    with Inventory(state) as inv:
                        mine = [inv.apply_json(op) for op in case["ops"]]
                        self.assertEqual(mine, run.stdout.decode().splitlines())
                        with open(f"{tmp}/after.json", encoding="utf-8") as f:
                            self.assertEqual(inv.state(), json.load(f))


class TestInventory(unittest.TestCase):
    def setUp(self):
        support.require_feature(self, "inventory", "inventory.h")
        self.inv = Inventory({"stock": [{"sku": "A", "location": "berlin", "on_hand": 5},
                                        {"sku": "A", "location": "hamburg", "on_hand": 2}]})

    def tearDown(self):
        self.inv.close()

    def reserve(self, rid, qty, **extra):
        return self.inv.apply(dict({"op": "reserve", "id": rid, "lines": [{"sku": "A", "quantity": qty}],
                                    "ttl_seconds": 900, "at": AT}, **extra))

    def test_reserve_commit_ship(self):
        r = self.reserve("r1", 6)
        self.assertEqual(r["lines"], [{"sku": "A", "location": "berlin", "quantity": 5},
                                      {"sku": "A", "location": "hamburg", "quantity": 1}])
        self.assertEqual(self.inv.available("A", AT)["available"], 1)
        self.assertIs(self.reserve("r1", 6)["duplicate"], True)
        self.inv.apply({"op": "commit", "id": "r1", "order": "o-1", "at": AT})
        self.inv.apply({"op": "ship", "id": "r1"})
        state = self.inv.state()
        self.assertEqual({(s["location"], s["on_hand"]) for s in state["stock"]}, {("berlin", 0), ("hamburg", 1)})
        self.assertEqual(state["reservations"][0]["status"], "shipped")

    def test_errors_map_to_exceptions(self):
        self.reserve("r1", 6)
        with self.assertRaises(StockError) as cm:
            self.reserve("r2", 2)
        e = cm.exception
        self.assertEqual(e.code, "insufficient_stock")
        self.assertEqual((e.details["sku"], e.details["requested"], e.details["available"]), ("A", 2, 1))
        with self.assertRaises(ecommerce.ConflictError) as cm:
            self.reserve("r1", 1)
        self.assertEqual(cm.exception.code, "idempotency_conflict")
        with self.assertRaises(NotFoundError):
            self.inv.apply({"op": "release", "id": "nope"})
        with self.assertRaises(ecommerce.InvalidInputError) as cm:
            self.inv.apply({"op": "teleport"})
        self.assertEqual(cm.exception.field, "op")
        doc = self.inv.apply({"op": "release", "id": "nope"}, raise_on_error=False)
        self.assertEqual((doc["ok"], doc["error"]["code"]), (False, "not_found"))
        self.assertEqual([r["ok"] for r in self.inv.apply_all([{"op": "release", "id": "r1"},
                                                                {"op": "ship", "id": "r1"}])], [True, False])

    def test_sources_and_empty(self):
        with Inventory() as empty:
            self.assertEqual(empty.state(), {"stock": [], "reservations": []})
            empty.apply({"op": "set", "sku": "Z", "location": "x", "on_hand": 3})
            text = empty.state_json()
        for source in (text, text.encode(), json.loads(text)):
            with Inventory(source) as inv:
                self.assertEqual(inv.available("Z", AT)["available"], 3)
        with self.assertRaises(EcommerceError) as cm:
            Inventory({"stock": [{"sku": "A"}]})
        self.assertTrue(cm.exception.field.startswith("stock[0]"), cm.exception.field)

    def test_closed(self):
        self.inv.close()
        with self.assertRaises(ValueError):
            self.inv.available("A", AT)

    def test_threads_never_oversell(self):
        # 8 threads reserve 1 unit 50 times each against 7 units: exactly 7
        # succeed, because the Inventory serialises its calls.
        ok, refused = [], []
        lock = threading.Lock()

        def run(t):
            for i in range(50):
                try:
                    self.reserve(f"t{t}-{i}", 1)
                    with lock:
                        ok.append(1)
                except StockError:
                    with lock:
                        refused.append(1)

        threads = [threading.Thread(target=run, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual((len(ok), len(refused)), (7, 393))
        self.assertEqual(self.inv.available("A", AT)["available"], 0)


if __name__ == "__main__":
    unittest.main()
