#!/usr/bin/env bash
# order.sh - `ecom order machine` and `ecom order apply` against cli.md and
# formats.md section 4.
#
# The default machine is printed and parsed, then loaded back as a custom
# machine; an order is taken through several events by feeding each output's
# order to the next call; refusals (exit 1, error document on stdout, one
# line on stderr) and usage errors (exit 2) are checked one by one.
#
# Usage: ECOM=build/bin/ecom bash tests/cli/order.sh
# Prints one FAIL line per failed check, then "order.sh: N passed, M
# failed"; exits non-zero on any failure.
set -u


. "$(dirname "${BASH_SOURCE[0]}")/common.bash"

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

# expect_refused WHAT CODE FIELD: exit 1, error document with code and field
# (field "" for none) on stdout, one line on stderr.
expect_refused() {
    expect_rc "$1" 1
    expect_json "$1" "$T/out" "d['error']['code']" "\"$2\""
    expect_json "$1" "$T/out" "d['error'].get('field', '')" "\"$3\""
    if [ "$(wc -l <"$T/err")" -eq 1 ]; then ok; else bad "$1: stderr is not one line"; fi
}

# The order document inside an apply result.
order_of() {
    python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["order"]))' \
        "$1" 2>/dev/null || echo '{}'
}

# ---- ecom order machine ------------------------------------------------------

run "$ECOM" order machine
expect_rc "order machine" 0
cp "$T/out" "$T/machine.json"
expect_json "order machine" "$T/machine.json" "d['initial']" '"pending_payment"'
expect_json "order machine" "$T/machine.json" "len(d['transitions'])" '17'
expect_json "order machine" "$T/machine.json" "sorted(d['final'])" '["canceled", "completed", "refunded"]'
expect_json "order machine" "$T/machine.json" "d['transitions'][0]" \
    '{"from": ["pending_payment"], "event": "authorize", "to": "authorized", "guard": "amount_covers_total"}'
expect_json "order machine" "$T/machine.json" \
    "sorted({t['event'] for t in d['transitions']})" \
    '["authorize", "cancel", "cancel_remaining", "capture", "complete", "deliver", "expire", "fail_payment", "fulfill", "receive_return", "refund", "request_return", "retry_payment"]'
run "$ECOM" order machine extra
expect_rc "order machine with an argument" 2

# ---- ecom order apply: one order through its life ----------------------------------

cat >"$T/order.json" <<'EOF'
{"id": "ord-1", "state": "pending_payment", "version": 0, "currency": "EUR",
 "total": "128.31", "lines": [{"sku": "SHOE-1", "quantity": 2}, {"sku": "SOCK-3", "quantity": 3}]}
EOF
echo '{"id": "evt-1", "type": "authorize", "at": "2026-11-25T10:00:00Z", "amount": "128.31"}' >"$T/e1.json"

run "$ECOM" order apply --order "$T/order.json" "$T/e1.json"
expect_rc "authorize" 0
cp "$T/out" "$T/r1.json"
expect_json "authorize" "$T/r1.json" "[d['order']['state'], d['order']['version'], d['effects'], d['duplicate']]" \
    '["authorized", 1, [], false]'
expect_json "authorize" "$T/r1.json" "d['order']['payment']" \
    '{"authorized": "128.31", "captured": "0.00", "refunded": "0.00"}'
expect_json "authorize" "$T/r1.json" "d['order']['history']" \
    '[{"event_id": "evt-1", "event": "authorize", "from": "pending_payment", "to": "authorized", "at": "2026-11-25T10:00:00Z"}]'

# the event from stdin, by default and as '-'; the same output either way
run "$ECOM" order apply --order "$T/order.json" <"$T/e1.json"
expect_rc "event on stdin" 0
if cmp -s "$T/out" "$T/r1.json"; then ok; else bad "event on stdin: output differs from the file's"; fi
run "$ECOM" order apply --order="$T/order.json" - <"$T/e1.json"
expect_rc "event as -" 0
if cmp -s "$T/out" "$T/r1.json"; then ok; else bad "event as -: output differs"; fi

# the printed default machine, loaded as a custom one, gives the same bytes
run "$ECOM" order apply --machine "$T/machine.json" --order "$T/order.json" "$T/e1.json"
expect_rc "--machine with the default" 0
if cmp -s "$T/out" "$T/r1.json"; then ok; else bad "--machine with the default: output differs"; fi

order_of "$T/r1.json" >"$T/o2.json"
run "$ECOM" order apply --order "$T/o2.json" <<<'{"id": "evt-2", "type": "capture", "at": "2026-11-25T10:05:00+01:00", "expected_version": 1}'
expect_rc "capture" 0
expect_json "capture" "$T/out" "[d['order']['state'], d['order']['version'], d['order']['history'][1]['at']]" \
    '["paid", 2, "2026-11-25T09:05:00Z"]'
order_of "$T/out" >"$T/o3.json"

run "$ECOM" order apply --order "$T/o3.json" <<<'{"id": "evt-3", "type": "fulfill", "at": "2026-11-26T08:00:00Z", "lines": [{"sku": "SHOE-1", "quantity": 1}]}'
expect_rc "fulfill part" 0
expect_json "fulfill part" "$T/out" "[d['order']['state'], d['effects'], d['order']['lines'][0]['fulfilled']]" \
    '["partially_fulfilled", ["ship_stock"], 1]'
order_of "$T/out" >"$T/o4.json"

# a duplicate event id: the order unchanged, no effects
run "$ECOM" order apply --order "$T/o4.json" <<<'{"id": "evt-3", "type": "cancel_remaining", "at": "2026-11-26T09:00:00Z"}'
expect_rc "duplicate" 0
expect_json "duplicate" "$T/out" "[d['order']['state'], d['order']['version'], d['effects'], d['duplicate']]" \
    '["partially_fulfilled", 3, [], true]'

run "$ECOM" order apply --order "$T/o4.json" <<<'{"id": "evt-4", "type": "cancel_remaining", "at": "2026-11-26T09:00:00Z"}'
expect_rc "cancel_remaining" 0
expect_json "cancel_remaining" "$T/out" "[d['order']['state'], d['effects']]" \
    '["fulfilled", ["release_unshipped_stock"]]'

# ---- refusals: exit 1, the error document on stdout ------------------------------

run "$ECOM" order apply --order "$T/order.json" <<<'{"id": "evt-9", "type": "fulfill", "at": "2026-11-25T10:00:00Z"}'
expect_refused "invalid transition" invalid_transition ""
expect_json "invalid transition" "$T/out" "d['error']['message']" \
    '"cannot fulfill in state pending_payment; allowed: authorize, capture, cancel, expire, fail_payment"'

run "$ECOM" order apply --order "$T/o2.json" <<<'{"id": "evt-9", "type": "capture", "at": "2026-11-25T10:00:00Z", "expected_version": 5}'
expect_refused "version conflict" version_conflict expected_version

run "$ECOM" order apply --order "$T/o3.json" <<<'{"id": "evt-9", "type": "fulfill", "at": "2026-11-26T08:00:00Z", "lines": [{"sku": "SHOE-1", "quantity": 3}]}'
expect_refused "too many units" invalid_field "lines[0].quantity"

run "$ECOM" order apply --order "$T/order.json" <<<'{"id": "evt-9", "type": "authorize", "at": "2026-11-25T10:00:00Z", "amount": 128.31}'
expect_refused "money as a number" invalid_field amount

echo '{"id": "o", "state": "paid", "currency": "EUR", "total": "1", "lines": [{"sku": "", "quantity": 1}]}' >"$T/bad-order.json"
run "$ECOM" order apply --order "$T/bad-order.json" "$T/e1.json"
expect_refused "bad order document" invalid_field "order.lines[0].sku"

echo '{"initial": "a", "transitions": [{"from": ["a"], "event": "go", "to": "b", "guard": "is_paid"}]}' >"$T/bad-machine.json"
run "$ECOM" order apply --machine "$T/bad-machine.json" --order "$T/order.json" "$T/e1.json"
expect_refused "bad machine" invalid_field "transitions[0].guard"

run "$ECOM" order apply --order "$T/order.json" <<<'{"id": "evt-1", "type": "authorize"'
expect_refused "event not JSON" invalid_json ""

# ---- usage errors: exit 2 --------------------------------------------------------------

run "$ECOM" order apply "$T/e1.json"
expect_rc "no --order" 2
run "$ECOM" order apply --order "$T/order.json" --frob "$T/e1.json"
expect_rc "unknown option" 2
run "$ECOM" order apply --order "$T/order.json" "$T/e1.json" "$T/e1.json"
expect_rc "two events" 2
run "$ECOM" order apply --order - - </dev/null
expect_rc "two documents on stdin" 2
run "$ECOM" order apply --order "$T/missing.json" "$T/e1.json"
expect_rc "unreadable order" 2
run "$ECOM" order apply --order
expect_rc "--order without a value" 2
run "$ECOM" order
expect_rc "order without a subcommand" 2
run "$ECOM" order ship
expect_rc "unknown subcommand" 2

# ---- help -------------------------------------------------------------------------------

run "$ECOM" help
expect_rc "help" 0
if grep -q "order apply \[--machine M\] --order ORDER \[EVENT\]" "$T/out" &&
    grep -q "order machine" "$T/out"; then ok; else bad "help does not list the order commands"; fi
run "$ECOM" order apply --help
expect_rc "order apply --help" 0

echo "order.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
