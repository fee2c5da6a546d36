#!/usr/bin/env bash
# pricing.sh - `ecom rules check` and `ecom cart price` against docs/ecom.1.
#
# Every case of tests/conformance/pricing goes through the real program
# (`ecom cart price --rules R C` and `ecom rules check R`), then the refusals,
# usage errors, help, version and stdin are checked one by one.  Exit
# statuses (docs/ecom.1): 0 success, 1 input refused (error document on stdout, a
# one-line message on stderr), 2 usage error.
#
# Usage: ECOM=build/bin/ecom bash tests/cli/pricing.sh
# Prints one FAIL line (with a diff) per failed check, then
# "pricing.sh: N passed, M failed"; exits non-zero on any failure.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CASES=$ROOT/tests/conformance/pricing

. "$(dirname "${BASH_SOURCE[0]}")/common.bash"

# ---- every conformance case ------------------------------------------------
# One python3 pass splits the cases into files, the shell runs ecom on each,
# a second python3 pass compares: two interpreter start-ups, not hundreds.

split_cases() {
    python3 - "$CASES" "$T/cases" <<'EOF'
import glob, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
files = sorted(glob.glob(os.path.join(src, "*.json")))
for f in files:
    c = json.load(open(f, encoding="utf-8"))
    base = os.path.join(dst, c["name"])
    for part in ("rules", "cart", "expected"):
        json.dump(c[part], open(f"{base}.{part}.json", "w", encoding="utf-8"))
    r = c["rules"]
    counts = tuple(len(r.get(k) or []) for k in ("products", "price_lists", "promotions"))
    with open(base + ".check", "w") as out:
        out.write("ok: %d products, %d price lists, %d promotions\n" % counts)
    print(c["name"])
EOF
}

# Compare every case's recorded run; prints FAIL lines and "PASSED FAILED".
compare_cases() {
    python3 - "$T/cases" "$@" <<'EOF'
import json, sys
dst, names = sys.argv[1], sys.argv[2:]

def show(v):
    s = "(absent)" if v is MISSING else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= 160 else s[:157] + "..."

MISSING = object()

def diff(path, want, got, out):
    """One 'path: want X got Y' line per differing leaf."""
    where = path or "(document)"
    if isinstance(want, dict) and isinstance(got, dict):
        for k in want:
            diff(f"{path}.{k}" if path else k, want[k], got.get(k, MISSING), out)
        for k in got:
            if k not in want:
                diff(f"{path}.{k}" if path else k, MISSING, got[k], out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append(f"{where}: want {len(want)} elements got {len(got)}")
        for i in range(max(len(want), len(got))):
            diff(f"{path}[{i}]", want[i] if i < len(want) else MISSING,
                 got[i] if i < len(got) else MISSING, out)
    elif type(want) is not type(got) or want != got:
        out.append(f"{where}: want {show(want)} got {show(got)}")

def check(name):
    base = f"{dst}/{name}"
    want = json.load(open(base + ".expected.json", encoding="utf-8"))
    rc = int(open(base + ".rc").read())
    out, err = open(base + ".out", "rb").read(), open(base + ".err", "rb").read()
    problems = []
    try:
        got = json.loads(out)
    except ValueError:
        return [f"exit {rc}; stdout is not one JSON document: {out[:200]!r}"]
    if not out.endswith(b"\n") or out.count(b"\n") != 1:
        problems.append("stdout is not exactly one line")
    if "error" in want:
        if rc != 1:
            problems.append(f"exit status: want 1 got {rc}")
        ge = got.get("error") if isinstance(got, dict) else None
        if not isinstance(ge, dict):
            return problems + [f"want an error document got {show(got)}"]
        for key in ("code", "field"):
            if ge.get(key, MISSING) != want["error"].get(key, MISSING):
                problems.append(f"error.{key}: want {show(want['error'].get(key, MISSING))} "
                                f"got {show(ge.get(key, MISSING))}")
        if not ge.get("message"):
            problems.append("error.message: want a message got none")
        if err.count(b"\n") != 1 or not err.endswith(b"\n") or len(err) < 2:
            problems.append(f"stderr: want one line got {err[:200]!r}")
    else:
        if rc != 0:
            problems.append(f"exit status: want 0 got {rc}")
        if err:
            problems.append(f"stderr: want nothing got {err[:200]!r}")
        diff("", want, got, problems)
    return problems

passed = failed = 0
for name in names:
    problems = check(name)
    if problems:
        failed += 1
        print(f"FAIL cart price {name}")
        for p in problems[:25]:
            print(f"  {p}")
    else:
        passed += 1
print(passed, failed)
EOF
}

conformance_cases() {
    local names name summary
    names=$(split_cases) || {
        bad "cannot split the cases of $CASES"
        return
    }
    [ -n "$names" ] || {
        bad "no case in $CASES"
        return
    }
    for name in $names; do
        local b=$T/cases/$name
        "$ECOM" cart price --rules "$b.rules.json" "$b.cart.json" >"$b.out" 2>"$b.err"
        echo $? >"$b.rc"
        # the same ruleset through `rules check`, with its counts
        run "$ECOM" rules check "$b.rules.json"
        if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$b.check" && [ ! -s "$T/err" ]; then
            ok
        else
            bad "rules check $name: exit $rc, want '$(cat "$b.check")' got '$(cat "$T/out")' $(cat "$T/err")"
        fi
    done
    # shellcheck disable=SC2086 # names are file names without spaces
    summary=$(compare_cases $names) || {
        bad "comparing the cases failed"
        return
    }
    printf '%s\n' "$summary" | sed '$d'
    local p f
    read -r p f <<<"$(printf '%s\n' "$summary" | tail -n 1)"
    pass=$((pass + p))
    fail=$((fail + f))
}

# ---- refusals: exit 1, error document on stdout, one line on stderr ----------

# expect_refusal WHAT CODE FIELD: checks the last `run`.
expect_refusal() {
    local what=$1 code=$2 field=$3 why
    why=$(python3 - "$T/out" "$T/err" "$rc" "$code" "$field" <<'EOF'
import json, sys
out, err = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
rc, code, field = int(sys.argv[3]), sys.argv[4], sys.argv[5]
problems = []
if rc != 1:
    problems.append(f"exit status: want 1 got {rc}")
try:
    e = json.loads(out)["error"]
    if e.get("code") != code:
        problems.append(f"error.code: want {code} got {e.get('code')}")
    if e.get("field", "") != field:
        problems.append(f"error.field: want {field or '(absent)'} got {e.get('field', '(absent)')}")
    if not e.get("message"):
        problems.append("error.message: want a message got none")
    if field == "" and "field" in e:
        problems.append("error.field: must be omitted when no single field is at fault")
except (ValueError, KeyError, TypeError, AttributeError):
    problems.append(f"stdout: want an error document got {out[:200]!r}")
if err.count(b"\n") != 1 or not err.endswith(b"\n") or len(err) < 2:
    problems.append(f"stderr: want one line got {err[:200]!r}")
print("; ".join(problems))
EOF
)
    if [ -z "$why" ]; then ok; else bad "$what: $why"; fi
}

# rules_refused NAME CODE FIELD JSON: `rules check` refuses the ruleset JSON,
# and `cart price` refuses it the same way before looking at the cart.
rules_refused() {
    local name=$1 code=$2 field=$3
    printf '%s\n' "$4" >"$T/bad.json"
    run "$ECOM" rules check "$T/bad.json"
    expect_refusal "rules check ($name)" "$code" "$field"
    run "$ECOM" cart price --rules "$T/bad.json" "$T/cart.json"
    expect_refusal "cart price with a bad ruleset ($name)" "$code" "$field"
}

GOOD_RULES='{
  "currency": "EUR",
  "tax": [{"category": "standard", "country": "*", "percent": "19"}],
  "products": [
    {"sku": "SHOE-1", "prices": {"EUR": "59.90"}, "categories": ["shoes"]},
    {"sku": "SOCK-3", "prices": "4.00"},
    {"sku": "HAT-9", "prices": {"EUR": "20.00", "USD": "22.00"}}
  ],
  "price_lists": [
    {"id": "b2b", "priority": 10, "customer_groups": ["b2b"],
     "prices": [{"sku": "SHOE-1", "price": "49.90"}]},
    {"id": "usd", "currency": "USD", "prices": [{"sku": "SOCK-3", "price": "5.00"}]}
  ],
  "promotions": [
    {"id": "TEN", "action": {"type": "percent_off", "percent": "10"}},
    {"id": "SOCKS", "target": {"sku_pattern": "^SOCK-"},
     "action": {"type": "amount_off_each", "amount": "1.00"}},
    {"id": "SHIP", "action": {"type": "free_shipping"}}
  ],
  "shipping": [{"id": "standard", "prices": {"EUR": "4.90"}}]
}'
GOOD_CART='{"currency": "EUR", "country": "DE", "at": "2026-11-28T10:00:00Z",
  "lines": [{"sku": "SHOE-1", "quantity": 1}, {"sku": "SOCK-3", "quantity": 2}],
  "shipping_method": "standard"}'

rules_check_good() {
    run "$ECOM" rules check "$T/rules.json"
    local want="ok: 3 products, 2 price lists, 3 promotions"
    if [ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "$want" ] && [ ! -s "$T/err" ]; then
        ok
    else
        bad "rules check (good): want exit 0 and '$want'; got exit $rc '$(cat "$T/out")' $(cat "$T/err")"
    fi
    printf '%s\n' '{"currency": "JPY"}' >"$T/empty.json"
    run "$ECOM" rules check "$T/empty.json"
    want="ok: 0 products, 0 price lists, 0 promotions"
    if [ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "$want" ]; then
        ok
    else
        bad "rules check (empty): want '$want'; got exit $rc '$(cat "$T/out")'"
    fi
}

rules_check_bad() {
    rules_refused "unknown key" invalid_field currncy '{"currency": "EUR", "currncy": "EUR"}'
    rules_refused "unknown nested key" invalid_field "promotions[0].action.x" \
        '{"currency": "EUR", "promotions": [{"id": "P", "action": {"type": "free_shipping", "x": 1}}]}'
    rules_refused "money as a number" invalid_field "products[0].prices.EUR" \
        '{"currency": "EUR", "products": [{"sku": "A", "prices": {"EUR": 5}}]}'
    rules_refused "bare money as a number" invalid_field "price_lists[0].prices[0].price" \
        '{"currency": "EUR", "price_lists": [{"id": "l", "prices": [{"sku": "A", "price": 5}]}]}'
    rules_refused "bad currency" unknown_currency currency '{"currency": "ABC"}'
    rules_refused "bad currency in a money map" unknown_currency "products[0].prices.ABC" \
        '{"currency": "EUR", "products": [{"sku": "A", "prices": {"ABC": "5.00"}}]}'
    rules_refused "bad regex" invalid_field "promotions[1].target.sku_pattern" \
        '{"currency": "EUR", "promotions": [
           {"id": "A", "action": {"type": "free_shipping"}},
           {"id": "B", "target": {"sku_pattern": "SKU-("}, "action": {"type": "free_shipping"}}]}'
    rules_refused "duplicate promotion id" invalid_field "promotions[2].id" \
        '{"currency": "EUR", "promotions": [
           {"id": "P", "action": {"type": "free_shipping"}},
           {"id": "Q", "action": {"type": "free_shipping"}},
           {"id": "P", "action": {"type": "percent_off", "percent": "5"}}]}'
    rules_refused "not JSON" invalid_json "" '{"currency": "EUR",'
}

# ---- cart refusals ---------------------------------------------------------------

cart_refusals() {
    printf '%s\n' '{"currency": "EUR", "at": "2026-11-28T10:00:00Z", "lines": []}' >"$T/c1.json"
    run "$ECOM" cart price --rules "$T/rules.json" "$T/c1.json"
    expect_refusal "cart price (no lines)" invalid_field lines
    printf '%s\n' '{"currency": "EUR", "at": "2026-11-28T10:00:00Z",
      "lines": [{"sku": "SHOE-1", "quantity": "2"}]}' >"$T/c2.json"
    run "$ECOM" cart price --rules "$T/rules.json" "$T/c2.json"
    expect_refusal "cart price (quantity as a string)" invalid_field "lines[0].quantity"
    printf '%s\n' '{"currency": "EUR", "at": "2026-11-28T10:00:00Z",
      "lines": [{"sku": "SHOE-1", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]}' >"$T/c3.json"
    run "$ECOM" cart price --rules "$T/rules.json" "$T/c3.json"
    expect_refusal "cart price (unknown SKU)" no_price "lines[1].sku"
    printf 'not json\n' >"$T/c4.json"
    run "$ECOM" cart price --rules "$T/rules.json" "$T/c4.json"
    expect_refusal "cart price (not JSON)" invalid_json ""
}

# ---- usage errors: exit 2, nothing on stdout, a message on stderr -----------------

expect_usage() {
    local what=$1
    shift
    run "$@"
    if [ "$rc" -eq 2 ] && [ ! -s "$T/out" ] && [ -s "$T/err" ]; then
        ok
    else
        bad "$what: want exit 2, empty stdout, a message on stderr; got exit $rc, stdout '$(head -c 200 "$T/out")'"
    fi
}

usage_errors() {
    expect_usage "no arguments" "$ECOM"
    expect_usage "unknown command" "$ECOM" frobnicate
    expect_usage "rules without a subcommand" "$ECOM" rules
    expect_usage "rules check without a file" "$ECOM" rules check
    expect_usage "rules check with two files" "$ECOM" rules check "$T/rules.json" "$T/rules.json"
    expect_usage "cart without a subcommand" "$ECOM" cart
    expect_usage "cart price without --rules" "$ECOM" cart price "$T/cart.json"
    expect_usage "cart price with --rules and no value" "$ECOM" cart price "$T/cart.json" --rules
    expect_usage "cart price with an unknown option" \
        "$ECOM" cart price --rules "$T/rules.json" --frob "$T/cart.json"
    expect_usage "cart price with two carts" \
        "$ECOM" cart price --rules "$T/rules.json" "$T/cart.json" "$T/cart.json"
    expect_usage "rules check on an unreadable file" "$ECOM" rules check "$T/missing.json"
    expect_usage "cart price with an unreadable ruleset" \
        "$ECOM" cart price --rules "$T/missing.json" "$T/cart.json"
    expect_usage "cart price with an unreadable cart" \
        "$ECOM" cart price --rules "$T/rules.json" "$T/missing.json"
    expect_usage "rules check on a directory" "$ECOM" rules check "$T"
}

# ---- help, version, stdin ----------------------------------------------------------

# expect_info WHAT PATTERN CMD...: exit 0, stdout matches the extended regex.
expect_info() {
    local what=$1 pattern=$2
    shift 2
    run "$@"
    if [ "$rc" -eq 0 ] && grep -Eq "$pattern" "$T/out" && [ ! -s "$T/err" ]; then
        ok
    else
        bad "$what: want exit 0 and /$pattern/ on stdout; got exit $rc '$(head -c 200 "$T/out")' $(head -c 200 "$T/err")"
    fi
}

help_and_version() {
    expect_info "ecom version" '^libecommerce [0-9]+\.[0-9]+\.[0-9]+$' "$ECOM" version
    expect_info "ecom version (program)" '^ecom [0-9]+\.[0-9]+\.[0-9]+$' "$ECOM" version
    expect_info "ecom help" 'cart price --rules RULES' "$ECOM" help
    expect_info "ecom help (rules check)" 'rules check RULES' "$ECOM" help
    expect_info "ecom --help" 'usage: ecom' "$ECOM" --help
    expect_info "ecom cart --help" 'cart price' "$ECOM" cart --help
}

# The same cart from a file, from `-` and with no CART argument (stdin).
cart_from_stdin() {
    run "$ECOM" cart price --rules "$T/rules.json" "$T/cart.json"
    cp "$T/out" "$T/from-file.json"
    if [ "$rc" -eq 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["currency"] == "EUR" and len(d["lines"]) == 2' "$T/from-file.json" 2>/dev/null; then
        ok
    else
        bad "cart price (file): exit $rc, $(head -c 300 "$T/out") $(head -c 200 "$T/err")"
    fi
    "$ECOM" cart price --rules "$T/rules.json" - <"$T/cart.json" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/from-file.json"; then ok; else
        bad "cart price - (stdin): exit $rc, output differs from the file's: $(head -c 300 "$T/out")"
    fi
    "$ECOM" cart price --rules "$T/rules.json" <"$T/cart.json" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/from-file.json"; then ok; else
        bad "cart price (no CART: stdin): exit $rc, output differs: $(head -c 300 "$T/out")"
    fi
    "$ECOM" cart price "--rules=$T/rules.json" - <"$T/cart.json" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/from-file.json"; then ok; else
        bad "cart price --rules=FILE: exit $rc, output differs: $(head -c 300 "$T/out")"
    fi
}

# ---- main --------------------------------------------------------------------------

if [ ! -x "$ECOM" ]; then
    echo "pricing.sh: $ECOM is not an executable" >&2
    exit 1
fi
printf '%s\n' "$GOOD_RULES" >"$T/rules.json"
printf '%s\n' "$GOOD_CART" >"$T/cart.json"

conformance_cases
rules_check_good
rules_check_bad
cart_refusals
usage_errors
help_and_version
cart_from_stdin

echo "pricing.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
