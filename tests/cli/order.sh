#!/usr/bin/env bash
# order.sh - `ecom order machine`, `ecom order create` and `ecom order apply`
# (orders version 2, docs/orders.md).
#
# The default machine is printed, checked and loaded back as a custom
# machine; the example cart becomes an order equal to the golden document
# (tests/cli/order/created.json, checked by hand against the priced cart);
# that order is taken through a whole life, capture on shipment to
# completion, by feeding each output's order to the next call, with the
# effects' lines and amounts checked at each step; refusals (exit 1, error
# document on stdout naming the field, one line on stderr) and usage errors
# (exit 2) are checked one by one.
#
# Usage: ECOM=build/bin/ecom bash tests/cli/order.sh
# Prints one FAIL line per failed check, then "order.sh: N passed, M
# failed"; exits non-zero on any failure.
set -u

. "$(dirname "${BASH_SOURCE[0]}")/common.bash"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RULES=$HERE/../../examples/rules.json
CART=$HERE/../../examples/cart.json
GOLDEN=$HERE/order/created.json

# expect_rc WHAT N: the last run exited with N.
expect_rc() {
    if [ "$rc" -eq "$2" ]; then ok; else bad "$1: exit $rc, expected $2 (stderr: $(head -c 300 "$T/err"))"; fi
}

# jq_like FILE EXPR: evaluate a Python expression on the JSON document `d`
# read from FILE; prints the result (json.dumps), or "INVALID" when FILE
# is not one JSON document.
jq_like() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception:
    print("INVALID")
    sys.exit(0)
try:
    print(json.dumps(eval(sys.argv[2])))
except Exception as e:
    print("ERROR " + repr(e))
EOF
}

# expect_json WHAT FILE EXPR VALUE: EXPR on FILE's document prints VALUE.
expect_json() {
    local got
    got=$(jq_like "$2" "$3")
    if [ "$got" = "$4" ]; then ok; else bad "$1: $3 is $got, expected $4"; fi
}

# expect_same WHAT FILE: the last output is byte for byte FILE.
expect_same() {
    if cmp -s "$T/out" "$2"; then ok; else bad "$1: output differs from $(basename "$2")"; fi
}

# expect_refused WHAT CODE FIELD: exit 1, error document with code and field
# (field "" for none) on stdout, one line on stderr.
expect_refused() {
    expect_rc "$1" 1
    expect_json "$1" "$T/out" "d['error']['code']" "\"$2\""
    expect_json "$1" "$T/out" "d['error'].get('field', '')" "\"$3\""
    if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else bad "$1: stderr is not one line"; fi
}

# usage_error WHAT ARGS...: `ecom ARGS...` is a usage error (exit 2).
usage_error() {
    local what=$1
    shift
    run "$ECOM" "$@"
    expect_rc "$what" 2
}

# The order document inside an apply result.
order_of() {
    python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["order"]))' \
        "$1" 2>/dev/null || echo '{}'
}

# step WHAT ORDER EVENT NEXT: apply EVENT (JSON text) to the order in file
# ORDER; on success the new order goes to file NEXT.
step() {
    run "$ECOM" order apply --order "$2" <<<"$3"
    expect_rc "$1" 0
    order_of "$T/out" >"$4"
}

# The money of an order inside an apply result, as one list.
MONEY="[d['order']['balance']] + [d['order']['payment'][k] for k in
       ('authorized', 'captured', 'refunded', 'amount_due', 'refund_due', 'status')]"

# ---- ecom order machine ------------------------------------------------------

run "$ECOM" order machine
expect_rc "order machine" 0
cp "$T/out" "$T/machine.json"
expect_json "order machine" "$T/machine.json" "[d['initial'], d['final'], len(d['transitions'])]" \
    '["pending_payment", ["completed"], 25]'
expect_json "order machine" "$T/machine.json" \
    "sorted({s for t in d['transitions'] for s in t['from'] + [t['to']]})" \
    '["canceled", "completed", "delivered", "payment_failed", "pending_payment", "processing"]'
expect_json "order machine" "$T/machine.json" \
    "sorted({t['event'] for t in d['transitions']})" \
    '["authorize", "cancel", "capture", "complete", "deliver", "expire", "fail_payment", "fulfill", "refund", "retry_payment", "return", "void"]'
expect_json "order machine" "$T/machine.json" "d['transitions'][0]" \
    '{"from": ["pending_payment"], "event": "authorize", "to": "processing"}'
expect_json "order machine: guards" "$T/machine.json" \
    "[[t['from'], t['event'], t['to'], t['guard']] for t in d['transitions'] if 'guard' in t]" \
    '[[["pending_payment", "payment_failed"], "cancel", "canceled", "all_units_canceled"], [["processing"], "cancel", "canceled", "all_units_canceled"], [["processing"], "deliver", "delivered", "all_lines_fulfilled"], [["delivered"], "complete", "completed", "settled"]]'
expect_json "order machine: no effects" "$T/machine.json" "any('effects' in t for t in d['transitions'])" 'false'
usage_error "order machine with an argument" order machine extra

# docs/orders.md lists the default machine's transitions: the same table
python3 - "$T/machine.json" "$HERE/../../docs/orders.md" >"$T/doc-table" <<'EOF'
import json, re, sys
machine = json.load(open(sys.argv[1], encoding="utf-8"))
want = ["| %d | %s | %s | %s | %s|" % (i, ", ".join(t["from"]), t["event"], t["to"],
                                     t["guard"] + " " if "guard" in t else "")
        for i, t in enumerate(machine["transitions"])]
doc = open(sys.argv[2], encoding="utf-8").read()
table = re.search(r"<!-- default machine: begin -->\n(.*?)<!-- default machine: end -->", doc, re.S)
rows = [r for r in table.group(1).splitlines() if re.match(r"\| \d", r)] if table else []
print("same" if rows == want else "\n".join(["differs; expected:"] + want))
EOF
if [ "$(cat "$T/doc-table")" = same ]; then ok; else bad "docs/orders.md's machine table $(cat "$T/doc-table")"; fi

# ---- ecom order create -------------------------------------------------------

run "$ECOM" order create --rules "$RULES" --id ord-1 "$CART"
expect_rc "order create" 0
expect_same "order create" "$GOLDEN"
cp "$T/out" "$T/order.json"
expect_json "order create" "$T/order.json" \
    "[d['id'], d['state'], d['version'], d['created_at'], d['history'], d['fulfillment']]" \
    '["ord-1", "pending_payment", 1, "2026-11-28T10:00:00Z", [], "unfulfilled"]'
expect_json "order create: a line keeps its amounts" "$T/order.json" "d['lines'][0]" \
    '{"sku": "SHOE-1", "quantity": 2, "unit_price": "59.90", "subtotal": "119.80", "discount": "16.02", "net": "103.78", "tax": "19.72", "total": "123.50", "fulfilled": 0, "canceled": 0, "returned": 0}'
expect_json "order create: shipping" "$T/order.json" "d['shipping']" \
    '{"method": "express", "total": "15.35", "tax": "2.45", "returned": false}'
expect_json "order create: totals" "$T/order.json" \
    "[d['subtotal'], d['discount'], d['tax'], d['total'], d['balance'], d['coupons']]" \
    '["150.37", "21.97", "26.85", "168.15", "168.15", ["welcome5"]]'
expect_json "order create: payment" "$T/order.json" "d['payment']" \
    '{"authorized": "0.00", "captured": "0.00", "refunded": "0.00", "amount_due": "168.15", "refund_due": "0.00", "status": "unpaid"}'

# the lines and totals are those of `ecom cart price`; the promotions are the
# applied ones with an amount
run "$ECOM" cart price --rules "$RULES" "$CART"
cp "$T/out" "$T/priced.json"
for key in subtotal discount tax total; do
    expect_json "order create: $key is the priced cart's" "$T/priced.json" "d['$key']" \
        "$(jq_like "$T/order.json" "d['$key']")"
done
LINE_AMOUNTS="[[l[k] for k in ('sku', 'quantity', 'unit_price', 'subtotal', 'discount', 'net', 'tax', 'total')] for l in d['lines']]"
expect_json "order create: lines are the priced cart's" "$T/priced.json" "$LINE_AMOUNTS" \
    "$(jq_like "$T/order.json" "$LINE_AMOUNTS")"
expect_json "order create: promotions" "$T/priced.json" \
    "[{'id': p['id'], 'amount': p['amount']} for p in d['promotions'] if p['applied'] and p['amount'] != '0.00']" \
    "$(jq_like "$T/order.json" "d['promotions']")"

# the cart from stdin, by default and as '-'; --id=VALUE; the rules on stdin
run "$ECOM" order create --rules "$RULES" --id ord-1 <"$CART"
expect_rc "cart on stdin" 0
expect_same "cart on stdin" "$GOLDEN"
run "$ECOM" order create --rules="$RULES" --id=ord-1 - <"$CART"
expect_rc "cart as -" 0
expect_same "cart as -" "$GOLDEN"
run "$ECOM" order create --rules - --id ord-1 "$CART" <"$RULES"
expect_rc "rules on stdin" 0
expect_same "rules on stdin" "$GOLDEN"

# --at overrides the cart's time: the cart is priced then (BF-SHOES runs
# from 2026-11-27), and created_at is that time in UTC
run "$ECOM" order create --rules "$RULES" --id o --at 2026-12-01T09:30:00+01:00 "$CART"
expect_rc "--at" 0
expect_json "--at" "$T/out" "d['created_at']" '"2026-12-01T08:30:00Z"'
run "$ECOM" order create --rules "$RULES" --id o --at 2026-11-20T00:00:00Z "$CART"
expect_rc "--at before the promotion" 0
cp "$T/out" "$T/early.json"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["at"]="2026-11-20T00:00:00Z"; print(json.dumps(c))' \
    "$CART" >"$T/early-cart.json"
run "$ECOM" cart price --rules "$RULES" "$T/early-cart.json"
expect_json "--at: priced at that time" "$T/early.json" "[d['created_at'], d['total']]" \
    "[\"2026-11-20T00:00:00Z\", $(jq_like "$T/out" "d['total']")]"
expect_json "--at: priced at that time" "$T/early.json" "[p['id'] for p in d['promotions']]" \
    '["SOCKS-3FOR2", "WELCOME5"]'

# without --id: "ord_" and 32 random hex digits, a new one each time
run "$ECOM" order create --rules "$RULES" "$CART"
expect_rc "generated id" 0
expect_json "generated id" "$T/out" \
    "__import__('re').fullmatch(r'ord_[0-9a-f]{32}', d['id']) is not None" 'true'
id1=$(jq_like "$T/out" "d['id']")
run "$ECOM" order create --rules "$RULES" "$CART"
if [ "$(jq_like "$T/out" "d['id']")" != "$id1" ]; then ok; else bad "generated id: the same id twice"; fi

# refusals: exit 1, the error document on stdout
echo '{"currency": "EUR", "at": "2026-11-28T10:00:00Z", "lines": [{"sku": "NOPE", "quantity": 1}]}' >"$T/unpriced.json"
run "$ECOM" order create --rules "$RULES" --id o "$T/unpriced.json"
expect_refused "a cart that cannot be priced" no_price "lines[0].sku"
run "$ECOM" order create --rules "$RULES" --id o <<<'{"currency": "EUR", "lines": []'
expect_refused "a cart that is not JSON" invalid_json ""
run "$ECOM" order create --rules "$RULES" --id "" "$CART"
expect_refused "an empty id" invalid_field id
echo '{"currency": "EUR", "products": [{"sku": "A", "prices": {"EUR": 5}}]}' >"$T/bad-rules.json"
run "$ECOM" order create --rules "$T/bad-rules.json" --id o "$CART"
expect_refused "a bad ruleset" invalid_field "products[0].prices.EUR"

# usage errors: exit 2
usage_error "create without --rules" order create "$CART"
usage_error "create with a bad --at" order create --rules "$RULES" --at yesterday "$CART"
usage_error "create with an unknown option" order create --rules "$RULES" --frob "$CART"
usage_error "create with two carts" order create --rules "$RULES" "$CART" "$CART"
usage_error "create with two documents on stdin" order create --rules - - </dev/null
usage_error "create with an unreadable cart" order create --rules "$RULES" "$T/missing.json"
usage_error "--id without a value" order create --rules "$RULES" --id

# ---- ecom order apply: the example order through its life --------------------------

E1='{"id": "e1", "type": "authorize", "at": "2026-11-28T10:05:00Z", "amount": "168.15"}'
echo "$E1" >"$T/e1.json"
run "$ECOM" order apply --order "$T/order.json" "$T/e1.json"
expect_rc "authorize" 0
cp "$T/out" "$T/r1.json"
expect_json "authorize" "$T/r1.json" "[d['order']['state'], d['order']['version'], d['effects'], d['duplicate']]" \
    '["processing", 2, [], false]'
expect_json "authorize" "$T/r1.json" "$MONEY" \
    '["168.15", "168.15", "0.00", "0.00", "168.15", "0.00", "authorized"]'
expect_json "authorize" "$T/r1.json" "d['order']['history']" \
    '[{"event_id": "e1", "event": "authorize", "from": "pending_payment", "to": "processing", "at": "2026-11-28T10:05:00Z"}]'

# the event from stdin, by default and as '-'; the same output either way
run "$ECOM" order apply --order "$T/order.json" <"$T/e1.json"
expect_rc "event on stdin" 0
expect_same "event on stdin" "$T/r1.json"
run "$ECOM" order apply --order="$T/order.json" - <"$T/e1.json"
expect_rc "event as -" 0
expect_same "event as -" "$T/r1.json"

# the printed default machine, loaded as a custom one, gives the same bytes
run "$ECOM" order apply --machine "$T/machine.json" --order "$T/order.json" "$T/e1.json"
expect_rc "--machine with the default" 0
expect_same "--machine with the default" "$T/r1.json"
order_of "$T/r1.json" >"$T/o1.json"

# ship the shoes, then capture what shipped (123.50 + 15.35 shipping)
step "fulfill the shoes" "$T/o1.json" \
    '{"id": "e2", "type": "fulfill", "at": "2026-11-29T08:00:00Z", "lines": [{"sku": "SHOE-1", "quantity": 2}]}' "$T/o2.json"
expect_json "fulfill the shoes" "$T/out" "[d['effects'], d['order']['fulfillment'], [l['fulfilled'] for l in d['order']['lines']]]" \
    '[[{"type": "ship_stock", "lines": [{"sku": "SHOE-1", "quantity": 2}]}], "partially_fulfilled", [2, 0, 0]]'
step "capture on shipment" "$T/o2.json" \
    '{"id": "e3", "type": "capture", "at": "2026-11-29T09:05:00+01:00", "amount": "138.85", "expected_version": 3}' "$T/o3.json"
expect_json "capture on shipment" "$T/out" "[d['order']['version'], d['effects'], d['order']['history'][2]['at']]" \
    '[4, [], "2026-11-29T08:05:00Z"]'
expect_json "capture on shipment" "$T/out" "$MONEY" \
    '["168.15", "168.15", "138.85", "0.00", "29.30", "0.00", "partially_paid"]'

# a duplicate event id: the order unchanged, no effects
run "$ECOM" order apply --order "$T/o3.json" <<<'{"id": "e3", "type": "cancel", "at": "2026-11-29T10:00:00Z"}'
expect_rc "duplicate" 0
expect_json "duplicate" "$T/out" "[d['order'] == json.load(open('$T/o3.json')), d['effects'], d['duplicate']]" \
    '[true, [], true]'

# the socks (11.44) and the hat (17.86) will not ship: 29.30 of the
# authorization is released
step "cancel the rest" "$T/o3.json" '{"id": "e4", "type": "cancel", "at": "2026-11-29T10:00:00Z"}' "$T/o4.json"
expect_json "cancel the rest" "$T/out" "d['effects']" \
    '[{"type": "release_stock", "lines": [{"sku": "SOCK-3", "quantity": 3}, {"sku": "HAT-5", "quantity": 1}]}, {"type": "void_payment", "amount": "29.30"}]'
expect_json "cancel the rest" "$T/out" "$MONEY" \
    '["138.85", "168.15", "138.85", "0.00", "0.00", "0.00", "paid"]'
expect_json "cancel the rest" "$T/out" "[d['order']['state'], d['order']['fulfillment'], d['order']['shipping']['returned']]" \
    '["processing", "fulfilled", false]'
step "void" "$T/o4.json" '{"id": "e5", "type": "void", "at": "2026-11-29T10:01:00Z"}' "$T/o5.json"
expect_json "void" "$T/out" "[d['order']['payment']['authorized'], d['effects']]" '["138.85", []]'
step "deliver" "$T/o5.json" '{"id": "e6", "type": "deliver", "at": "2026-11-30T10:00:00Z"}' "$T/o6.json"
expect_json "deliver" "$T/out" "d['order']['state']" '"delivered"'

# one shoe comes back with a 5.00 fee: floor(123.50 * 1 / 2) = 61.75 - 5.00
step "return with a fee" "$T/o6.json" \
    '{"id": "e7", "type": "return", "at": "2026-12-02T10:00:00Z", "lines": [{"sku": "SHOE-1", "quantity": 1}], "fee": "5.00"}' "$T/o7.json"
expect_json "return with a fee" "$T/out" "d['effects']" \
    '[{"type": "restock", "lines": [{"sku": "SHOE-1", "quantity": 1}]}, {"type": "refund_payment", "amount": "56.75"}]'
expect_json "return with a fee" "$T/out" "$MONEY" \
    '["82.10", "138.85", "138.85", "0.00", "0.00", "56.75", "refund_due"]'
run "$ECOM" order apply --order "$T/o7.json" <<<'{"id": "e9", "type": "complete", "at": "2026-12-02T10:00:00Z"}'
expect_refused "complete with a refund due" invalid_transition ""
expect_json "complete with a refund due" "$T/out" "d['error']['message']" \
    '"cannot complete in state delivered: no guard holds (settled); allowed: authorize, capture, void, return, refund, complete"'
step "refund what is due" "$T/o7.json" '{"id": "e8", "type": "refund", "at": "2026-12-02T11:00:00Z"}' "$T/o8.json"
expect_json "refund what is due" "$T/out" "$MONEY" \
    '["82.10", "138.85", "138.85", "56.75", "0.00", "0.00", "paid"]'
step "complete" "$T/o8.json" '{"id": "e9", "type": "complete", "at": "2026-12-03T10:00:00Z"}' "$T/o9.json"
expect_json "complete" "$T/out" "[d['order']['state'], d['order']['version'], [h['event'] for h in d['order']['history']]]" \
    '["completed", 10, ["authorize", "fulfill", "capture", "cancel", "void", "deliver", "return", "refund", "complete"]]'
run "$ECOM" order apply --order "$T/o9.json" <<<'{"id": "e10", "type": "refund", "at": "2026-12-04T10:00:00Z", "amount": "1.00"}'
expect_refused "completed is final" invalid_transition ""
expect_json "completed is final" "$T/out" "d['error']['message']" \
    '"cannot refund in state completed; allowed: none (completed is final)"'

# a sale (capture with nothing authorized), then a cancel of the rest: the
# money of the canceled units is due back
step "sale" "$T/order.json" '{"id": "s1", "type": "capture", "at": "2026-11-28T10:05:00Z"}' "$T/s1.json"
expect_json "sale" "$T/out" "$MONEY" '["168.15", "168.15", "168.15", "0.00", "0.00", "0.00", "paid"]'
step "sale: ship" "$T/s1.json" \
    '{"id": "s2", "type": "fulfill", "at": "2026-11-29T08:00:00Z", "lines": [{"sku": "SHOE-1", "quantity": 2}]}' "$T/s2.json"
step "sale: cancel the rest" "$T/s2.json" '{"id": "s3", "type": "cancel", "at": "2026-11-29T10:00:00Z"}' "$T/s3.json"
expect_json "sale: cancel the rest" "$T/out" "d['effects']" \
    '[{"type": "release_stock", "lines": [{"sku": "SOCK-3", "quantity": 3}, {"sku": "HAT-5", "quantity": 1}]}, {"type": "refund_payment", "amount": "29.30"}]'
expect_json "sale: cancel the rest" "$T/out" "$MONEY" \
    '["138.85", "168.15", "168.15", "0.00", "0.00", "29.30", "refund_due"]'

# an unpaid order canceled whole: every unit and the shipping leave it
step "cancel everything" "$T/order.json" '{"id": "c1", "type": "cancel", "at": "2026-11-28T10:05:00Z"}' "$T/c1.json"
expect_json "cancel everything" "$T/out" \
    "[d['order']['state'], d['order']['fulfillment'], d['order']['shipping']['returned'], d['order']['balance'], d['effects'][0]['type'], len(d['effects'])]" \
    '["canceled", "canceled", true, "0.00", "release_stock", 1]'

# ---- refusals: exit 1, the error document on stdout naming the field ---------------

# refused WHAT ORDER CODE FIELD MEMBERS: the event {"id": "x", "at": ...,
# MEMBERS} applied to the order in file ORDER is refused with CODE and FIELD.
refused() {
    run "$ECOM" order apply --order "$2" <<<"{\"id\": \"x\", \"at\": \"2026-12-05T10:00:00Z\", $5}"
    expect_refused "$1" "$3" "$4"
}

refused "invalid transition" "$T/order.json" invalid_transition "" \
    '"type": "fulfill", "lines": [{"sku": "SHOE-1", "quantity": 1}]'
expect_json "invalid transition" "$T/out" "d['error']['message']" \
    '"cannot fulfill in state pending_payment; allowed: authorize, capture, fail_payment, cancel, expire"'
refused "a capture beyond what is due" "$T/o1.json" invalid_field amount \
    '"type": "capture", "amount": "200.00"'
expect_json "a capture beyond what is due" "$T/out" "d['error']['message']" '"a capture of 200.00 exceeds the 168.15 due"'
refused "an authorization beyond what is due" "$T/o1.json" invalid_field amount \
    '"type": "authorize", "amount": "0.01"'
refused "too many units" "$T/o1.json" invalid_field "lines[0].quantity" \
    '"type": "fulfill", "lines": [{"sku": "SOCK-3", "quantity": 4}]'
refused "an unknown SKU" "$T/o1.json" invalid_field "lines[1].sku" \
    '"type": "fulfill", "lines": [{"sku": "HAT-5", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]'
refused "a field the event does not take" "$T/o1.json" invalid_field amount \
    '"type": "cancel", "amount": "1.00"'
refused "a refund with nothing due" "$T/o1.json" invalid_field amount \
    '"type": "refund"'
refused "a fee beyond the value returned" "$T/o6.json" invalid_field fee \
    '"type": "return", "lines": [{"sku": "SHOE-1", "quantity": 1}], "fee": "61.76"'
refused "a return of units never shipped" "$T/o6.json" invalid_field "lines[0].quantity" \
    '"type": "return", "lines": [{"sku": "SOCK-3", "quantity": 1}]'
refused "nothing to void" "$T/c1.json" invalid_field "" \
    '"type": "void"'
refused "version conflict" "$T/o1.json" version_conflict expected_version \
    '"type": "capture", "expected_version": 5'
refused "money as a number" "$T/o1.json" invalid_field amount \
    '"type": "capture", "amount": 168.15'
refused "an unknown event" "$T/o1.json" invalid_transition type \
    '"type": "ship"'

# stored orders are read back whole: the first field at fault is named
for change in 'd["lines"][0]["net"] = "103.77"|order.lines[0].net' \
    'd["balance"] = "100.00"|order.balance' 'd["payment"]["status"] = "paid"|order.payment.status'; do
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); ${change%|*}; print(json.dumps(d))" \
        "$T/order.json" >"$T/bad-order.json"
    run "$ECOM" order apply --order "$T/bad-order.json" "$T/e1.json"
    expect_refused "an order document with ${change%|*}" invalid_field "${change#*|}"
done

echo '{"initial": "a", "transitions": [{"from": ["a"], "event": "go", "to": "b", "guard": "is_paid"}]}' >"$T/bad-machine.json"
run "$ECOM" order apply --machine "$T/bad-machine.json" --order "$T/order.json" "$T/e1.json"
expect_refused "a machine with an unknown guard" invalid_field "transitions[0].guard"
echo '{"initial": "a", "transitions": [{"from": ["a"], "event": "fulfill", "to": "b", "effects": ["ship_stock"]}]}' >"$T/fx-machine.json"
run "$ECOM" order apply --machine "$T/fx-machine.json" --order "$T/order.json" "$T/e1.json"
expect_refused "a machine naming effects" invalid_field "transitions[0].effects[0]"

run "$ECOM" order apply --order "$T/order.json" <<<'{"id": "e1", "type": "authorize"'
expect_refused "event not JSON" invalid_json ""

# ---- usage errors: exit 2 --------------------------------------------------------------

usage_error "no --order" order apply "$T/e1.json"
usage_error "unknown option" order apply --order "$T/order.json" --frob "$T/e1.json"
usage_error "two events" order apply --order "$T/order.json" "$T/e1.json" "$T/e1.json"
usage_error "two documents on stdin" order apply --order - - </dev/null
usage_error "unreadable order" order apply --order "$T/missing.json" "$T/e1.json"
usage_error "--order without a value" order apply --order
run "$ECOM" order
expect_rc "order without a subcommand" 2
usage_error "unknown subcommand" order ship

# ---- help -------------------------------------------------------------------------------

run "$ECOM" help
expect_rc "help" 0
if grep -q "order apply \[--machine M\] --order ORDER \[EVENT\]" "$T/out" &&
    grep -q "order create --rules RULES \[--id ID\] \[--at TIME\] \[CART\]" "$T/out" &&
    grep -q "order machine" "$T/out"; then ok; else bad "help does not list the order commands"; fi
run "$ECOM" order apply --help
expect_rc "order apply --help" 0
run "$ECOM" order create --help
expect_rc "order create --help" 0

echo "order.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
