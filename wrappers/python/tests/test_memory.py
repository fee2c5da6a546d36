"""Memory stays flat over many calls through the boundary.

The count is ECOMMERCE_FFI_MEMORY_CALLS (default 1,000,000 pricing calls,
a mix of priced and refused carts, plus ruleset, inventory and order calls
in proportion).  The resident set is read from /proc after a warm-up and at
the end; a leak of even a few dozen bytes per call would exceed the bound.
"""

from __future__ import annotations

import gc
import json
import os
import unittest

import ecommerce
from ecommerce import EcommerceError, Ruleset

from . import support

CALLS = int(os.environ.get("ECOMMERCE_FFI_MEMORY_CALLS", "1000000"))
WARMUP = 20000
BOUND = 16 * 1024 * 1024  # bytes of RSS growth allowed (allocator noise)


class TestMemoryFlat(unittest.TestCase):
    def test_rss_flat_over_many_calls(self):
        rules_doc = json.loads((support.EXAMPLES / "rules.json").read_text(encoding="utf-8"))
        rules = Ruleset(rules_doc)
        good = json.dumps({"currency": "EUR", "at": "2026-11-28T10:00:00Z",
                           "lines": [{"sku": "SHOE-1", "quantity": 1}]}).encode()
        bad = json.dumps({"currency": "EUR", "at": "2026-11-28T10:00:00Z",
                          "lines": [{"sku": "NOPE", "quantity": 1}]}).encode()

        def batch(n: int) -> int:
            refused = 0
            for i in range(n):
                if i % 10 == 9:
                    try:
                        rules.price_json(bad)
                    except EcommerceError:
                        refused += 1
                else:
                    rules.price_json(good)
                if i % 5000 == 0:
                    Ruleset(rules_doc).close()  # compile and free
                    self._side_calls(rules, good)
            return refused

        batch(WARMUP)
        gc.collect()
        before = support.rss_bytes()
        refused = batch(CALLS)
        gc.collect()
        after = support.rss_bytes()
        rules.close()
        self.assertEqual(refused, CALLS // 10)
        growth = after - before
        print(f"\nmemory: {CALLS} calls, RSS {before >> 20} MiB -> {after >> 20} MiB "
              f"({growth / 1024:+.0f} KiB)", flush=True)
        self.assertLess(growth, BOUND, f"RSS grew by {growth} bytes over {CALLS} calls")

    def _side_calls(self, rules: Ruleset, cart: bytes) -> None:
        api = ecommerce._lib.load()
        if api.has("inventory"):
            with ecommerce.Inventory({"stock": [{"sku": "A", "location": "x", "on_hand": 5}]}) as inv:
                inv.apply({"op": "available", "sku": "A", "at": "2026-11-28T10:00:00Z"})
                inv.apply({"op": "receive", "sku": "A", "location": "x", "quantity": 0},
                          raise_on_error=False)
                inv.state_json()
        if api.has("orders"):
            ecommerce.default_machine()
            order = ecommerce.create_order_json(rules, cart, "o-1")
            capture = {"id": "e1", "type": "capture", "at": "2026-11-28T11:00:00Z"}
            ecommerce.apply(order, capture)
            try:
                ecommerce.apply(order, dict(capture, amount="1000.00"))
            except EcommerceError:
                pass


if __name__ == "__main__":
    unittest.main()


def big_rules(products: int = 2000):
    return {"currency": "EUR",
            "products": [{"sku": f"SKU-{i}", "prices": {"EUR": "1.00"}} for i in range(products)]}


class TestOwnership(unittest.TestCase):
    """Native objects are freed without close(): by the garbage collector for
    rulesets, and when their thread ends for per-thread pricers."""

    def test_unclosed_rulesets_are_freed(self):
        doc = json.dumps(big_rules()).encode()  # ~400 KiB per compiled ruleset
        Ruleset(doc)
        gc.collect()
        before = support.rss_bytes()
        for _ in range(300):
            rules = Ruleset(doc)
            del rules
        gc.collect()
        growth = support.rss_bytes() - before
        self.assertLess(growth, 40 << 20, f"300 dropped rulesets kept {growth} bytes")

    def test_pricers_of_finished_threads_are_freed(self):
        import threading

        with Ruleset(big_rules()) as rules:
            # 1000 lines make each thread's pricer grow to about a megabyte.
            cart = json.dumps({"currency": "EUR", "at": "2026-11-28T10:00:00Z",
                               "lines": [{"sku": f"SKU-{i}", "quantity": 1} for i in range(1000)]})

            def one_thread():
                t = threading.Thread(target=rules.price_json, args=(cart,))
                t.start()
                t.join()

            one_thread()
            gc.collect()
            before = support.rss_bytes()
            for _ in range(200):
                one_thread()
            gc.collect()
            growth = support.rss_bytes() - before
        self.assertLess(growth, 40 << 20, f"200 finished threads kept {growth} bytes")
