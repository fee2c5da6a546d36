"""Many threads, one Ruleset: the answers agree with a single thread's."""

from __future__ import annotations

import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from ecommerce import EcommerceError, Ruleset

from . import support

THREADS = 8
CALLS = 1000


def answer(rules: Ruleset, cart) -> str:
    try:
        return rules.price_json(cart)
    except EcommerceError as exc:
        return f"error {exc.code} {exc.field} {exc.message}"


class TestThreads(unittest.TestCase):
    def setUp(self):
        # Carts from the conformance cases whose rules are the same as the
        # first usable case's would be few; instead price every case's cart
        # against its own ruleset, compiled once and shared by all threads.
        self.work = []
        for case in support.load_cases("pricing"):
            try:
                rules = Ruleset(case["rules"])
            except EcommerceError:
                continue
            self.work.append((rules, case["cart"]))
        self.assertGreater(len(self.work), 50)

    def tearDown(self):
        for rules, _ in self.work:
            rules.close()

    def test_thousand_calls_over_eight_threads_agree(self):
        calls = [self.work[i % len(self.work)] for i in range(CALLS)]
        single = [answer(rules, cart) for rules, cart in calls]
        start = threading.Barrier(THREADS)

        def run(index: int) -> str:
            if index < THREADS:
                start.wait()  # first calls of every thread start together
            rules, cart = calls[index]
            return answer(rules, cart)

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            parallel = list(pool.map(run, range(CALLS)))
        self.assertEqual(len(parallel), CALLS)
        mismatches = [i for i in range(CALLS) if parallel[i] != single[i]]
        self.assertEqual(mismatches, [], f"{len(mismatches)} answers differ, first at call {mismatches[:1]}")

    def test_each_thread_has_its_own_pricer(self):
        # Interleave two rulesets per thread: a shared pricer would mix them.
        rules_a, cart_a = self.work[0]
        rules_b, cart_b = self.work[1]
        want_a, want_b = answer(rules_a, cart_a), answer(rules_b, cart_b)
        failures = []

        def run() -> None:
            for _ in range(100):
                if answer(rules_a, cart_a) != want_a or answer(rules_b, cart_b) != want_b:
                    failures.append(threading.get_ident())
                    return

        threads = [threading.Thread(target=run) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])

    def test_close_while_other_threads_price(self):
        # close() during calls in flight must neither crash nor free early:
        # calls already running finish, later ones raise ValueError.
        rules = Ruleset(support.EXAMPLES / "rules.json")
        want = rules.price_json(support.SAMPLE_CART)
        outcomes = {"ok": 0, "closed": 0, "wrong": 0}
        lock = threading.Lock()
        started = threading.Barrier(THREADS + 1)

        def run() -> None:
            started.wait()
            for _ in range(300):
                try:
                    got = rules.price_json(support.SAMPLE_CART)
                    key = "ok" if got == want else "wrong"
                except ValueError:
                    key = "closed"
                with lock:
                    outcomes[key] += 1

        threads = [threading.Thread(target=run) for _ in range(THREADS)]
        for t in threads:
            t.start()
        started.wait()
        rules.close()
        for t in threads:
            t.join()
        self.assertEqual(outcomes["wrong"], 0)
        self.assertEqual(outcomes["ok"] + outcomes["closed"], THREADS * 300)
        self.assertGreater(outcomes["closed"], 0)


if __name__ == "__main__":
    unittest.main()
