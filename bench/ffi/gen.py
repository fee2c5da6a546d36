#!/usr/bin/env python3
"""gen.py - the workload of bench/ffi.sh: one ruleset and N carts of L lines.

Usage: gen.py OUTDIR [--carts N] [--lines L] [--products P] [--seed S]

Writes OUTDIR/rules.json and OUTDIR/carts.jsonl (one compact cart per line).
The same seed gives the same bytes, so every surface (C, Python, Node) prices
exactly the same carts, and runs on different days compare.  The ruleset
exercises the usual paths: price lists with tiers, product and cart
promotions (percent, buy-x-get-y, coupon, tiered), tax by category and
country, and shipping.
"""

import argparse
import json
import os
import random

COUNTRIES = ["DE", "AT", "FR", "NL"]
CATEGORIES = ["shoes", "socks", "hats", "books", "tea", "toys"]


def money(rng: random.Random, lo: int, hi: int) -> str:
    cents = rng.randint(lo * 100, hi * 100)
    return f"{cents // 100}.{cents % 100:02d}"


def ruleset(rng: random.Random, products: int) -> dict:
    skus = [f"SKU-{i:05d}" for i in range(products)]
    prods = [
        {
            "sku": sku,
            "prices": {"EUR": money(rng, 1, 200), "USD": money(rng, 1, 220)},
            "categories": rng.sample(CATEGORIES, rng.randint(0, 2)),
            "tax_category": rng.choice(["standard", "standard", "reduced"]),
        }
        for sku in skus
    ]
    b2b = [
        {
            "sku": sku,
            "price": money(rng, 1, 150),
            "tiers": [{"min_quantity": 5, "price": money(rng, 1, 100)}],
        }
        for sku in rng.sample(skus, products // 10)
    ]
    return {
        "currency": "EUR",
        "rounding": "half_even",
        "tax": [
            {"category": "standard", "country": "DE", "percent": "19"},
            {"category": "reduced", "country": "DE", "percent": "7"},
            {"category": "standard", "country": "*", "percent": "20"},
            {"category": "reduced", "country": "*", "percent": "10"},
        ],
        "products": prods,
        "price_lists": [
            {"id": "b2b", "currency": "EUR", "priority": 10, "customer_groups": ["b2b"], "prices": b2b}
        ],
        "promotions": [
            {"id": "HATS", "level": "product", "priority": 5, "target": {"categories": ["hats"]},
             "action": {"type": "percent_off", "percent": "15"}},
            {"id": "SHOES10", "priority": 100, "target": {"categories": ["shoes"]},
             "min_subtotal": "50.00", "action": {"type": "percent_off", "percent": "10"},
             "max_discount": "30.00"},
            {"id": "SOCKS3FOR2", "priority": 50, "target": {"categories": ["socks"]},
             "action": {"type": "buy_x_get_y", "buy": 2, "get": 1}},
            {"id": "TIERS", "priority": 40, "target": {"categories": ["books", "tea"]},
             "action": {"type": "tiered_percent", "tiers": [
                 {"min_subtotal": "20.00", "percent": "5"},
                 {"min_subtotal": "100.00", "percent": "10"}]}},
            {"id": "WELCOME5", "priority": 10, "coupon": "WELCOME5",
             "action": {"type": "amount_off_order", "amount": {"EUR": "5.00", "USD": "6.00"}}},
        ],
        "shipping": [
            {"id": "standard", "prices": {"EUR": "4.90", "USD": "5.90"}, "free_over": "50.00",
             "countries": COUNTRIES, "tax_category": "standard"},
        ],
    }


def cart(rng: random.Random, n: int, products: int, lines: int) -> dict:
    doc = {
        "id": f"cart-{n}",
        "currency": "EUR",
        "country": rng.choice(COUNTRIES),
        "customer_group": rng.choice(["retail", "retail", "b2b"]),
        "channel": "web",
        "at": "2026-11-28T10:00:00Z",
        "lines": [
            {"sku": f"SKU-{rng.randrange(products):05d}", "quantity": rng.randint(1, 6)}
            for _ in range(lines)
        ],
        "shipping_method": "standard",
    }
    if rng.random() < 0.3:
        doc["coupons"] = ["welcome5"]
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--carts", type=int, default=2000)
    ap.add_argument("--lines", type=int, default=10)
    ap.add_argument("--products", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "rules.json"), "w", encoding="utf-8") as f:
        json.dump(ruleset(rng, args.products), f, separators=(",", ":"))
    with open(os.path.join(args.outdir, "carts.jsonl"), "w", encoding="utf-8") as f:
        for n in range(args.carts):
            f.write(json.dumps(cart(rng, n, args.products, args.lines), separators=(",", ":")))
            f.write("\n")


if __name__ == "__main__":
    main()
