#!/usr/bin/env python3
"""reprice_equiv.py - `ecom reprice` agrees with `ecom cart price`, row by row.

usage: reprice_equiv.py ECOM [ROWS [SEED]]   (odd SEED: prices include tax)

Generates a random ruleset (price lists with contexts, windows and tiers,
product promotions targeting SKUs, categories, patterns and everything, with
exclusions and money in some currencies only, tax rates with and without a
"*" fallback, a random rounding mode, prices with or without tax) and ROWS
random catalog rows (default 3000): known SKUs as they are or with their own
price, categories or tax category, SKUs only a price list knows, SKUs no rule
knows, and a few malformed rows.  It reprices them in three contexts, then
prices every row and context as a cart of one unit against the ruleset with
the rows merged into its products (the definition in docs/batch.md and reprice.h),
and compares list_price, price, price_list, promotion, tax_percent,
display_price, changed, and every reject's line and error code.

Carts hold up to 250 one-unit lines, each priced independently by the cart rules of docs/reference/cart.md
3.1 and 3.5; the cart side drops cart promotions and shipping (reprice shows
neither) and uses line tax rounding (for a lone line, "total" rounding gives
the same tax).  A cart that fails names its first failing line, which is
recorded and removed, and the cart is priced again.  A sample of pairs is
also priced as literal single-line carts against the unmodified merged
ruleset.  Exits 1 on the first kind of mismatch, printing up to 20.
"""
import concurrent.futures as cf
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

ECOM = sys.argv[1]
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 20261128
rnd = random.Random(SEED)

CURRENCIES = {"EUR": 2, "USD": 2, "JPY": 0}
CATS = ["shoes", "socks", "hats", "books", "toys", "garden", "sale", "new", "kids"]
TAXCATS = ["standard", "reduced", "luxury", "exempt"]
COUNTRIES = ["DE", "FR", "US", "AT"]
GROUPS = ["retail", "b2b", "vip"]
CHANNELS = ["web", "app", "pos"]
ROUNDINGS = ["half_even", "half_up", "half_down", "up", "down", "ceiling", "floor"]
T0 = 1795860000  # 2026-11-28T10:00:00Z


def money(cur, lo=1, hi=50000):
    v = rnd.randrange(lo, hi)
    e = CURRENCIES[cur]
    if cur == "JPY":
        v //= 10
    return str(v) if e == 0 else "%d.%0*d" % (v // 10 ** e, e, v % 10 ** e)


def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def maybe(p, value):
    return value if rnd.random() < p else None


def some(pool, k=2):
    return rnd.sample(pool, rnd.randint(1, k))


def window():
    w = {}
    if rnd.random() < 0.3:
        w["valid_from"] = iso(T0 + rnd.randint(-30, 30) * 86400)
    if rnd.random() < 0.3:
        w["valid_to"] = iso(T0 + rnd.randint(-10, 60) * 86400)
    return w


def restrictions():
    r = {}
    if rnd.random() < 0.25:
        r["customer_groups"] = some(GROUPS)
    if rnd.random() < 0.2:
        r["channels"] = some(CHANNELS)
    if rnd.random() < 0.2:
        r["countries"] = some(COUNTRIES)
    return r


def make_rules(known, listed):
    rules = {"currency": "EUR", "rounding": rnd.choice(ROUNDINGS),
             "prices_include_tax": SEED % 2 == 1,  # the caller runs an odd and an even seed
             "tax_rounding": rnd.choice(["line", "total"]), "tax": [], "products": [],
             "price_lists": [], "promotions": []}
    for cat in TAXCATS[:3]:
        for c in COUNTRIES[:3]:
            rules["tax"].append({"category": cat, "country": c,
                                 "percent": rnd.choice(["19", "7", "20", "5.5", "0", "12.25"])})
        if cat != "luxury":  # luxury has no "*" rate: no_tax_rate in AT
            rules["tax"].append({"category": cat, "country": "*", "percent": "10"})
    for sku in known:
        p = {"sku": sku}
        prices = {c: money(c) for c in CURRENCIES if rnd.random() < (0.95 if c == "EUR" else 0.5)}
        if prices:
            p["prices"] = prices
        if rnd.random() < 0.8:
            p["categories"] = some(CATS, 3)
        if rnd.random() < 0.4:
            p["tax_category"] = rnd.choice(TAXCATS[:2] * 8 + TAXCATS[2:])
        rules["products"].append(p)
    for i in range(5):
        cur = rnd.choice(list(CURRENCIES))
        entries = []
        for sku in rnd.sample(known + listed, 60):
            e = {"sku": sku, "price": money(cur)}
            if rnd.random() < 0.2:
                e["tiers"] = [{"min_quantity": 1, "price": money(cur)}] if rnd.random() < 0.5 \
                    else [{"min_quantity": 5, "price": money(cur)}]
            entries.append(e)
        pl = {"id": "pl-%d" % i, "currency": cur, "priority": rnd.choice([0, 10, 10, 20]),
              "prices": entries}
        pl.update(restrictions())
        pl.update(window())
        rules["price_lists"].append(pl)
    for i in range(30):
        target = {}
        kind = rnd.random()
        if kind < 0.25:
            target["skus"] = rnd.sample(known + listed, 8) + ["NEW-%05d" % rnd.randrange(ROWS)
                                                              for _ in range(20)]
        elif kind < 0.5:
            target["categories"] = some(CATS, 2)
        elif kind < 0.7:
            target["sku_pattern"] = rnd.choice(["^NEW-0", "^K-1", "7$", "-(1|2)3", "^L-\\d*5$",
                                                "^NEW-00[0-4]"])
        elif kind < 0.8:
            target["categories"] = some(CATS, 1)
            target["sku_pattern"] = "^K-2"
        if rnd.random() < 0.3:
            target["exclude_skus"] = rnd.sample(known, 5) + ["NEW-%05d" % rnd.randrange(ROWS)]
        action = rnd.choice([
            {"type": "percent_off", "percent": rnd.choice(["10", "12.5", "33.3333", "50"])},
            {"type": "amount_off_each", "amount": {c: money(c, 1, 3000) for c in CURRENCIES
                                                   if rnd.random() < 0.7} or {"EUR": "1.00"}},
            {"type": "fixed_price", "price": {c: money(c, 1, 20000) for c in CURRENCIES
                                              if rnd.random() < 0.7} or {"EUR": "9.99"}},
        ])
        p = {"id": "PP-%02d" % i, "level": "product", "priority": rnd.choice([1, 5, 5, 9]),
             "action": action}
        if target or rnd.random() < 0.5:
            p["target"] = target
        p.update(restrictions())
        p.update(window())
        rules["promotions"].append(p)
    rules["promotions"].append({"id": "CART-ALL", "priority": 50,
                                "action": {"type": "percent_off", "percent": "15"}})
    return rules


def make_rows(rules, known, listed):
    """Rows as dicts of CSV fields ('' = absent); expected kind of each."""
    rows = []
    products = {p["sku"]: p for p in rules["products"]}
    pool = [("K", s) for s in known] + [("L", s) for s in listed]
    rnd.shuffle(pool)
    pool = pool[: ROWS // 2]
    pool += [("N", "NEW-%05d" % i) for i in range(ROWS - len(pool))]
    rnd.shuffle(pool)
    for kind, sku in pool:
        row = {"sku": sku, "price": "", "currency": "", "categories": "", "tax_category": "",
               "current_price": ""}
        override = kind != "K" or rnd.random() < 0.5
        cur = rnd.choice(["", "EUR"] * 12 + ["USD", "JPY"])
        if override and rnd.random() < (0.97 if kind == "N" else 0.6):
            row["currency"] = cur
            row["price"] = money(cur or "EUR")
        if override and rnd.random() < 0.6:
            row["categories"] = "|".join(some(CATS, 3))
        if override and rnd.random() < 0.3:
            row["tax_category"] = rnd.choice(TAXCATS[:2] * 8 + TAXCATS[2:])
        if rnd.random() < 0.5:
            row["current_price"] = money(row["currency"] or "EUR")
            if not row["currency"] and rnd.random() < 0.3:
                row["currency"] = "EUR"
        if rnd.random() < 0.01:
            row["price"] = "12.345"  # too many decimals everywhere but JPY... and JPY
            row["currency"] = "EUR"
        if rnd.random() < 0.005:
            row["currency"] = "XYZ"
        rows.append(row)
    return rows


def merged_rules(rules, rows):
    products = {p["sku"]: json.loads(json.dumps(p)) for p in rules["products"]}
    order = [p["sku"] for p in rules["products"]]
    for row in rows:
        if bad_row(row):
            continue
        p = products.get(row["sku"])
        if p is None:
            p = {"sku": row["sku"], "prices": {}}
            products[row["sku"]] = p
            order.append(row["sku"])
        if row["price"]:
            p.setdefault("prices", {})[row["currency"] or "EUR"] = row["price"]
        if row["categories"]:
            p["categories"] = row["categories"].split("|")
        if row["tax_category"]:
            p["tax_category"] = row["tax_category"]
    m = dict(rules)
    m["products"] = []
    for sku in order:
        p = products[sku]
        if not p.get("prices"):
            p.pop("prices", None)
        m["products"].append(p)
    return m


def bad_row(row):
    if row["currency"] == "XYZ":
        return "unknown_currency"
    e = CURRENCIES.get(row["currency"] or "EUR")
    for key in ("price", "current_price"):
        v = row[key]
        if v and "." in v and len(v.split(".")[1]) > e:
            return "invalid_field"
    return None


CONTEXTS = [
    {"currency": "EUR", "country": "DE", "customer_group": "b2b", "channel": "web"},
    {"currency": "EUR", "country": "FR", "channel": "app", "at": iso(T0 + 5 * 86400)},
    {"country": "AT", "customer_group": "vip"},
]


def context_arg(c):
    return ",".join("%s=%s" % kv for kv in c.items())


def run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True)


def price_carts(tmp, rules_path, ctx, lines_for):
    """{index: line result or ('error', code)} for the given (index, sku, currency)."""
    out = {}
    todo = list(lines_for)
    chunks = [todo[i:i + 250] for i in range(0, len(todo), 250)]

    def one(chunk):
        res = {}
        chunk = list(chunk)
        while chunk:
            cart = {"currency": chunk[0][2], "at": ctx.get("at", iso(T0)),
                    "lines": [{"sku": sku, "quantity": 1} for _, sku, _ in chunk]}
            for k in ("country", "customer_group", "channel"):
                if k in ctx:
                    cart[k] = ctx[k]
            p = run([ECOM, "cart", "price", "--rules", rules_path, "-"],
                    json.dumps(cart).encode())
            doc = json.loads(p.stdout)
            if p.returncode == 0:
                for (i, _, _), line in zip(chunk, doc["lines"]):
                    res[i] = line
                return res
            field = doc["error"].get("field", "")
            if not field.startswith("lines["):
                raise SystemExit("cart refused without a line: %s" % doc)
            k = int(field[6:field.index("]")])
            res[chunk[k][0]] = ("error", doc["error"]["code"])
            del chunk[k]
        return res

    with cf.ThreadPoolExecutor(4) as ex:
        for r in ex.map(one, chunks):
            out.update(r)
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="reprice-equiv-")
    known = ["K-%04d" % i for i in range(400)]
    listed = ["L-%04d" % i for i in range(100)]
    rules = make_rules(known, listed)
    rows = make_rows(rules, known, listed)
    rules_path = os.path.join(tmp, "rules.json")
    json.dump(rules, open(rules_path, "w"))
    cat_path = os.path.join(tmp, "rows.csv")
    with open(cat_path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["sku", "price", "currency", "categories", "tax_category", "current_price"])
        for r in rows:
            w.writerow([r[k] for k in ("sku", "price", "currency", "categories", "tax_category",
                                       "current_price")])
    out_path, rej_path = os.path.join(tmp, "out.jsonl"), os.path.join(tmp, "rej.jsonl")
    cmd = [ECOM, "reprice", "--rules", rules_path, "--in", cat_path, "--out", out_path,
           "--rejects", rej_path, "--at", iso(T0), "--threads", "2", "--chunk-size", "4096"]
    for c in CONTEXTS:
        cmd += ["--context", context_arg(c)]
    p = run(cmd)
    if p.returncode not in (0, 3):
        raise SystemExit("ecom reprice failed (%d): %s" % (p.returncode, p.stderr.decode()))
    got = [json.loads(l) for l in open(out_path)]
    rejects = {r["line"]: r for r in map(json.loads, open(rej_path))}

    # the oracle: merged ruleset without cart promotions and with line rounding
    merged = merged_rules(rules, rows)
    batch = dict(merged, promotions=[x for x in merged["promotions"] if x.get("level") == "product"],
                 tax_rounding="line")
    batch_path, single_path = os.path.join(tmp, "batch.json"), os.path.join(tmp, "single.json")
    json.dump(batch, open(batch_path, "w"))
    json.dump(merged, open(single_path, "w"))
    expect = {}  # (row, ctx) -> line dict or ('error', code)
    for ci, ctx in enumerate(CONTEXTS):
        groups = {}
        for i, row in enumerate(rows):
            if bad_row(row):
                continue
            cur = ctx.get("currency") or row["currency"] or "EUR"
            groups.setdefault(cur, []).append((i, row["sku"], cur))
        for cur, lines in groups.items():
            for i, v in price_carts(tmp, batch_path, ctx, lines).items():
                expect[(i, ci)] = v

    problems = []

    def problem(msg):
        problems.append(msg)

    it = iter(got)
    checked = rejected = 0
    for i, row in enumerate(rows):
        line_no = i + 2
        why = bad_row(row)
        failing = None
        if not why:
            for ci in range(len(CONTEXTS)):
                v = expect[(i, ci)]
                if isinstance(v, tuple):
                    failing = (ci, v[1])
                    break
        if why or failing:
            rejected += 1
            r = rejects.get(line_no)
            code = why or failing[1]
            if not r or r["error"]["code"] != code or r["sku"] != row["sku"]:
                problem("line %d %s: want reject %s, got %s" % (line_no, row["sku"], code, r))
            elif failing and r["context"] != context_arg(
                    {k: v for k, v in CONTEXTS[failing[0]].items()}):
                problem("line %d: reject context %s, want %s" % (line_no, r["context"],
                                                                   CONTEXTS[failing[0]]))
            continue
        if line_no in rejects:
            problem("line %d %s: rejected, cart prices it: %s" % (line_no, row["sku"],
                                                                  rejects[line_no]))
            continue
        for ci, ctx in enumerate(CONTEXTS):
            rec = next(it, None)
            line = expect[(i, ci)]
            cur = ctx.get("currency") or row["currency"] or "EUR"
            want = {"sku": row["sku"], "currency": cur, "country": ctx.get("country"),
                    "customer_group": ctx.get("customer_group"), "channel": ctx.get("channel"),
                    "list_price": line["list_price"], "price": line["unit_price"],
                    "price_list": line["price_list"], "promotion": line["product_promotion"],
                    "tax_percent": line["tax_percent"], "display_price": line["total"]}
            cp = row["current_price"]
            icur = row["currency"] or "EUR"
            want["changed"] = None if not cp or icur != cur else \
                (parse(cp, cur) != parse(line["unit_price"], cur))
            if rec != want:
                problem("line %d context %d: want %s\n    got  %s" % (line_no, ci, want, rec))
            checked += 1
    if next(it, None) is not None:
        problem("more output records than rows x contexts")
    if len(rejects) != rejected:
        problem("%d rejects, want %d" % (len(rejects), rejected))

    # literal single-line carts on the unmodified merged ruleset, for a sample
    sample = rnd.sample([k for k, v in expect.items() if not isinstance(v, tuple)], 150)

    def single(key):
        i, ci = key
        ctx = CONTEXTS[ci]
        cart = {"currency": ctx.get("currency") or rows[i]["currency"] or "EUR",
                "at": ctx.get("at", iso(T0)), "lines": [{"sku": rows[i]["sku"], "quantity": 1}]}
        for k in ("country", "customer_group", "channel"):
            if k in ctx:
                cart[k] = ctx[k]
        doc = json.loads(run([ECOM, "cart", "price", "--rules", single_path, "-"],
                             json.dumps(cart).encode()).stdout)
        return key, doc["lines"][0]

    with cf.ThreadPoolExecutor(4) as ex:
        for (i, ci), line in ex.map(single, sample):
            b = expect[(i, ci)]
            for k in ("list_price", "unit_price", "price_list", "product_promotion", "tax_percent"):
                if line[k] != b[k]:
                    problem("single cart line %d context %d: %s %s vs %s" % (i + 2, ci, k,
                                                                              line[k], b[k]))
    for m in problems[:20]:
        print("MISMATCH", m)
    print("reprice equivalence: %d rows x %d contexts, %d records and %d rejects compared, "
          "%d single-line carts; rounding %s, prices %s tax; %d problems"
          % (len(rows), len(CONTEXTS), checked, rejected, len(sample), rules["rounding"],
             "include" if rules["prices_include_tax"] else "exclude", len(problems)))
    return 1 if problems else 0


def parse(s, cur):
    e = CURRENCIES[cur]
    whole, _, frac = s.partition(".")
    return int(whole) * 10 ** e + int((frac + "0" * e)[:e] or 0)


if __name__ == "__main__":
    sys.exit(main())
