#!/usr/bin/env python3
"""price.py - the Python figures of bench/ffi.sh.

Usage: price.py RULES CARTS.jsonl ROUNDS

Prices every cart ROUNDS times through the ``ecommerce`` package, after one
warm-up round, in two ways, and prints one line each:
  "py-text <carts> <seconds> <bytes>"  price_json(bytes): the request body in,
                                       the document text out (what a service
                                       that forwards JSON does)
  "py-dict <carts> <seconds> <bytes>"  price(dict) -> dict: serialising and
                                       parsing in Python included
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "wrappers" / "python"))

from ecommerce import Ruleset  # noqa: E402


def timed(fn, carts, rounds):
    for cart in carts:  # warm-up: the pricer grows to its working size
        fn(cart)
    out = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for cart in carts:
            out += fn(cart)
    return len(carts) * rounds, time.perf_counter() - t0, out


def main() -> None:
    rules_path, carts_path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rules = Ruleset(Path(rules_path))
    raw = [line for line in Path(carts_path).read_bytes().splitlines() if line]
    dicts = [json.loads(line) for line in raw]
    n, secs, size = timed(lambda c: len(rules.price_json(c)), raw, rounds)
    print(f"py-text {n} {secs:.6f} {size}")
    n, secs, size = timed(lambda c: len(rules.price(c)["lines"]), dicts, rounds)
    print(f"py-dict {n} {secs:.6f} {size}")
    rules.close()


if __name__ == "__main__":
    main()
