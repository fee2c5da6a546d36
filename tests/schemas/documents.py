"""documents.py - the repository's documents and the engine's outputs against
docs/schemas/ (draft 2020-12, python3-jsonschema).

Usage: ECOM=build/bin/ecom python3 tests/schemas/documents.py [CASES_DIR...]

Checked:
- every schema file is a valid schema and validates its own examples;
- the examples/ documents, the conformance cases under tests/conformance/
  (and under each CASES_DIR given, or EC_SCHEMA_CASES: directories laid out
  the same way, pricing/*.json and inventory/*.json), the fuzz corpora and
  the tests/cli fixtures: every input document the engine accepts is valid
  (an input it refuses while reading may be either);
- what the engine writes: `ecom cart price` results and error documents,
  `ecom order create` orders, `ecom order apply` results (a run of events
  over each created order), `ecom order machine`, `ecom inventory apply`
  results and states, and the repricing records and rejects.
Prints one line per kind and "schemas: N passed, M failed"."""
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import schemas  # noqa: E402

ROOT = str(schemas.ROOT)
ECOM = os.environ.get("ECOM", os.path.join(ROOT, "build", "bin", "ecom"))
# Codes an engine answers when it could not read a document; any other
# answer means the document was read, so the schema must accept it.
READ_CODES = {"invalid_json", "invalid_field", "limit_exceeded", "unknown_currency"}

passed = 0
failures = []


def expect(ok, what):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(what)


def valid(name, doc, what):
    found = schemas.errors(name, doc)
    expect(not found, "%s is not a valid %s: %s" % (what, name, "; ".join(found[:5])))


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def ecom(args, stdin=None):
    r = subprocess.run([ECOM] + args, input=stdin, capture_output=True, timeout=60)
    return r.returncode, r.stdout.decode("utf-8")


def write_tmp(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def answer(status, out, name, what):
    """An exit status and stdout: the document `name` on 0, an error
    document on 1; returns the parsed document and its error code."""
    doc = json.loads(out)
    if status == 0:
        valid(name, doc, what)
        return doc, None
    expect(status == 1, "%s: exit %d" % (what, status))
    valid("error.json", doc, what + " (error document)")
    return doc, doc["error"]["code"]


# ---- pricing: rulesets, carts, results; orders from them -------------------------------------------

def price_case(tmp, rules, cart, what):
    rules_path = write_tmp(tmp, "rules.json", rules)
    status, _ = ecom(["rules", "check", rules_path])
    if status == 0:
        valid("ruleset.json", rules, what + " rules")
    if status != 0 or not isinstance(cart, dict):
        return None
    cart_path = write_tmp(tmp, "cart.json", cart)
    _, code = answer(*ecom(["cart", "price", "--rules", rules_path, cart_path]), "price-result.json",
                     what + " result")
    if code not in READ_CODES:
        valid("cart.json", cart, what + " cart")
    if code is not None:
        return None
    doc, code = answer(*ecom(["order", "create", "--rules", rules_path, "--id", "ord-1", cart_path]),
                       "order.json", what + " order")
    return doc if code is None else None


# Events that move a created order through payment, fulfilment, a return
# and its refund; each answer (applied or refused) is checked.
def order_events(order):
    line = order["lines"][0]
    at = "2030-01-01T00:00:%02dZ"
    return [
        {"id": "e1", "type": "authorize", "at": at % 1, "amount": order["total"]},
        {"id": "e2", "type": "capture", "at": at % 2},
        {"id": "e2", "type": "capture", "at": at % 2},
        {"id": "e3", "type": "fulfill", "at": at % 3, "lines": [{"sku": line["sku"], "quantity": 1}]},
        {"id": "e4", "type": "return", "at": at % 4, "lines": [{"sku": line["sku"], "quantity": 1}],
         "shipping": order["shipping"] is not None},
        {"id": "e5", "type": "refund", "at": at % 5},
        {"id": "e6", "type": "cancel", "at": at % 6},
        {"id": "e7", "type": "complete", "at": at % 7, "expected_version": 99},
    ]


def apply_events(tmp, order, what):
    for ev in order_events(order):
        path = write_tmp(tmp, "order.json", order)
        status, out = ecom(["order", "apply", "--order", path], json.dumps(ev).encode())
        doc, code = answer(status, out, "apply-result.json", "%s event %s" % (what, ev["id"]))
        if code not in READ_CODES:
            valid("order-event.json", ev, "%s event %s" % (what, ev["id"]))
        if code is None:
            order = doc["order"]


def pricing_cases(tmp, directory):
    files = sorted(glob.glob(os.path.join(directory, "pricing", "*.json")))
    orders = 0
    for path in files:
        case = load(path)
        order = price_case(tmp, case["rules"], case["cart"], os.path.basename(path))
        if order and orders < 40:  # a sample keeps the run short
            orders += 1
            apply_events(tmp, order, os.path.basename(path))
    return len(files)


# ---- inventory ------------------------------------------------------------------------------------------------

def inventory_run(tmp, state, ops, what):
    state_path = write_tmp(tmp, "state.json", state)
    out_path = os.path.join(tmp, "state-out.json")
    lines = "".join(op if isinstance(op, str) else json.dumps(op) + "\n" for op in ops)
    status, out = ecom(["inventory", "apply", "--state", state_path, "--state-out", out_path],
                       lines.encode())
    if status == 1:
        valid("error.json", json.loads(out), what + " (state refused)")
        return
    valid("inventory-state.json", state, what + " state")
    valid("inventory-state.json", load(out_path), what + " final state")
    results = [json.loads(l) for l in out.splitlines() if l.strip()]
    for i, (op, res) in enumerate(zip(ops, results)):
        valid("inventory-result.json", res, "%s result %d" % (what, i))
        read = res["ok"] or res["error"]["code"] not in READ_CODES
        if read and not isinstance(op, str):
            valid("inventory-operation.json", op, "%s op %d" % (what, i))


def inventory_cases(tmp, directory):
    files = sorted(glob.glob(os.path.join(directory, "inventory", "*.json")))
    for path in files:
        case = load(path)
        inventory_run(tmp, case["state"], case["ops"], os.path.basename(path))
    return len(files)


# ---- the repository's own documents ------------------------------------------------------------------------

def corpus(name):
    return sorted(glob.glob(os.path.join(ROOT, "fuzz", "corpus", name, "*")))


def as_json(data):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def repository_documents(tmp):
    rules = load(os.path.join(ROOT, "examples", "rules.json"))
    valid("ruleset.json", rules, "examples/rules.json")
    valid("cart.json", load(os.path.join(ROOT, "examples", "cart.json")), "examples/cart.json")
    valid("inventory-state.json", load(os.path.join(ROOT, "examples", "stock.json")), "examples/stock.json")
    valid("order.json", load(os.path.join(ROOT, "tests", "cli", "order", "created.json")), "tests/cli/order/created.json")
    order = price_case(tmp, rules, load(os.path.join(ROOT, "examples", "cart.json")), "examples")
    apply_events(tmp, order, "examples")
    valid("order-machine.json", json.loads(ecom(["order", "machine"])[1]), "ecom order machine")
    for path in corpus("ruleset"):
        doc = as_json(open(path, "rb").read())
        if doc is not None and ecom(["rules", "check", path])[0] == 0:
            valid("ruleset.json", doc, path)
    for path in corpus("cart") + corpus("checkout"):
        data = open(path, "rb").read().split(b"\0")
        doc = as_json(data[0])
        if doc is not None:
            price_case(tmp, rules, doc, path)
    for path in corpus("order"):
        parts = open(path, "rb").read().split(b"\0")
        if len(parts) == 2 and all(as_json(p) is not None for p in parts):
            status, out = ecom(["order", "apply", "--order", write_tmp(tmp, "o.json", parts[0].decode())],
                               parts[1])
            _, code = answer(status, out, "apply-result.json", path)
            if code is None:
                valid("order.json", as_json(parts[0]), path + " order")
                valid("order-event.json", as_json(parts[1]), path + " event")
    for path in corpus("inventory"):
        lines = open(path, "rb").read().decode("utf-8", "replace").split("\n")
        state = as_json(lines[0].encode())
        if state is not None:
            ops = [as_json(l.encode()) if as_json(l.encode()) is not None else l + "\n"
                   for l in lines[1:] if l.strip()]
            inventory_run(tmp, state, ops, path)
    reprice_documents()


def reprice_documents():
    d = os.path.join(ROOT, "tests", "cli", "reprice")
    refused = {r["line"] for r in map(json.loads, open(os.path.join(d, "expected", "jsonl.rejects")))
               if r["error"]["code"] in READ_CODES}
    for n, line in enumerate(open(os.path.join(d, "catalog.jsonl"), encoding="utf-8"), 1):
        if line.strip() and n not in refused:
            valid("reprice-row.json", json.loads(line), "catalog.jsonl line %d" % n)
    for path in sorted(glob.glob(os.path.join(d, "expected", "*"))):
        kind = {".jsonl": "reprice-record.json", ".rejects": "reprice-reject.json"}.get(os.path.splitext(path)[1])
        for line in open(path, encoding="utf-8") if kind else []:
            if line.startswith("{"):
                valid(kind, json.loads(line), path)


def main():
    global passed
    problems = schemas.check_schemas()
    for p in problems:
        failures.append(p)
    passed += len(schemas.schema_files()) if not problems else 0
    dirs = [os.path.join(ROOT, "tests", "conformance")] + sys.argv[1:]
    dirs += [d for d in os.environ.get("EC_SCHEMA_CASES", "").split(":") if d]
    with tempfile.TemporaryDirectory() as tmp:
        for d in dirs:
            n = pricing_cases(tmp, d) + inventory_cases(tmp, d)
            expect(n > 0, "%s holds no cases" % d)
            print("schemas: %d cases of %s" % (n, d))
        repository_documents(tmp)
    for f in failures[:50]:
        print("FAIL " + f)
    print("schemas: %d passed, %d failed" % (passed, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
