#!/usr/bin/env bash
# inventory.sh - `ecom inventory apply` against docs/inventory.md and docs/reference/inventory.md.
#
# Every case of tests/conformance/inventory goes through the real program
# (`ecom inventory apply --state STATE OPS`) and is compared by the
# conformance README's rules; then stdin, --state-out, blank and malformed
# lines, refusals, usage errors and help are checked one by one.  Exit
# statuses: 0 stream processed, 3 processed with malformed lines, 1 state
# refused (error document on stdout, one line on stderr), 2 usage error.
#
# Usage: ECOM=build/bin/ecom bash tests/cli/inventory.sh
# Prints one FAIL line per failed check, then "inventory.sh: N passed,
# M failed"; exits non-zero on any failure.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CASES=$ROOT/tests/conformance/inventory

. "$(dirname "${BASH_SOURCE[0]}")/common.bash"

expect_rc() { # what wanted
    if [ "$rc" -eq "$2" ]; then ok; else bad "$1: exit $rc, want $2 ($(head -c 300 "$T/err"))"; fi
}

# ---- every conformance case ---------------------------------------------------
# One python3 pass writes each case's state and ops, the shell runs ecom on
# each, a second pass compares all of them.

python3 - "$CASES" "$T/cases" <<'EOF' >"$T/names" || { echo "FAIL cannot split the cases"; exit 1; }
import glob, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst)
for f in sorted(glob.glob(os.path.join(src, "*.json"))):
    c = json.load(open(f, encoding="utf-8"))
    base = os.path.join(dst, c["name"])
    json.dump(c["state"], open(base + ".state.json", "w"))
    with open(base + ".ops.jsonl", "w") as out:
        for op in c["ops"]:
            out.write(json.dumps(op) + "\n")
    print(c["name"])
EOF
n_cases=0
while read -r name; do
    n_cases=$((n_cases + 1))
    "$ECOM" inventory apply --state "$T/cases/$name.state.json" "$T/cases/$name.ops.jsonl" \
        >"$T/cases/$name.out" 2>"$T/cases/$name.err"
    echo $? >"$T/cases/$name.rc"
done <"$T/names"
if [ "$n_cases" -lt 60 ]; then bad "only $n_cases conformance cases found in $CASES"; fi

python3 - "$CASES" "$T/cases" <<'EOF' >"$T/compare"
import glob, json, os, sys
src, runs = sys.argv[1], sys.argv[2]
passed = failed = 0
for f in sorted(glob.glob(os.path.join(src, "*.json"))):
    c = json.load(open(f, encoding="utf-8"))
    base = os.path.join(runs, c["name"])
    rc = int(open(base + ".rc").read())
    lines = open(base + ".out", encoding="utf-8").read().splitlines()
    why = None
    if rc != 0:
        why = "exit %d: %s" % (rc, open(base + ".err").read()[:200])
    elif len(lines) != len(c["expected"]):
        why = "%d result lines for %d operations" % (len(lines), len(c["expected"]))
    for i, (line, want) in enumerate(zip(lines, c["expected"])):
        if why:
            break
        try:
            got = json.loads(line)
        except ValueError:
            why = "line %d is not JSON: %s" % (i, line[:200])
            break
        op = c["ops"][i]
        if got.get("ok") != want["ok"]:
            why = "ok=%s, want %s" % (got.get("ok"), want["ok"])
        elif not want["ok"] and (got.get("error") or {}).get("code") != want["code"]:
            why = "code %s, want %s" % ((got.get("error") or {}).get("code"), want["code"])
        else:
            for key in ("available", "locations", "duplicate"):
                if key in want and got.get(key) != want[key]:
                    why = "%s %s, want %s" % (key, json.dumps(got.get(key)), json.dumps(want[key]))
        if why:
            why = "operation %d %s: %s\n      got %s" % (i, json.dumps(op), why, line[:300])
    if why:
        failed += 1
        print("FAIL %s: %s" % (c["name"], why))
    else:
        passed += 1
print("%d %d" % (passed, failed))
EOF
grep '^FAIL' "$T/compare" | head -5
read -r p f < <(tail -n 1 "$T/compare")
pass=$((pass + ${p:-0}))
fail=$((fail + ${f:-1}))

# ---- one small inventory for the checks below -------------------------------------

cat >"$T/state.json" <<'EOF'
{"stock": [{"sku": "A", "location": "berlin", "on_hand": 2},
           {"sku": "A", "location": "hamburg", "on_hand": 3, "safety_stock": 1}]}
EOF
cat >"$T/ops.jsonl" <<'EOF'
{"op": "reserve", "id": "r1", "lines": [{"sku": "A", "quantity": 3}], "ttl_seconds": 600, "at": "2026-11-28T10:00:00Z"}

   
{"op": "available", "sku": "A", "at": "2026-11-28T10:00:00Z"}
{"op": "commit", "id": "r1", "order": "o1", "at": "2026-11-28T10:01:00Z"}
{"op": "ship", "id": "r1"}
EOF

# results on stdout, one compact line per operation; blank lines are skipped
run "$ECOM" inventory apply --state "$T/state.json" "$T/ops.jsonl" --state-out "$T/after.json"
expect_rc "apply" 0
if [ "$(wc -l <"$T/out")" -eq 4 ] && ! grep -q ' ' "$T/out"; then ok; else
    bad "apply: want 4 compact lines, got: $(head -c 400 "$T/out")"; fi
if sed -n 2p "$T/out" | grep -qx '{"ok":true,"sku":"A","available":1,"locations":{"berlin":0,"hamburg":1}}'; then
    ok; else bad "apply: available line is $(sed -n 2p "$T/out")"; fi
want_state='{"stock":[{"sku":"A","location":"berlin","on_hand":0,"safety_stock":0,"backorder_limit":0},{"sku":"A","location":"hamburg","on_hand":2,"safety_stock":1,"backorder_limit":0}],"reservations":[{"id":"r1","lines":[{"sku":"A","location":"berlin","quantity":2},{"sku":"A","location":"hamburg","quantity":1}],"status":"shipped","expires_at":"2026-11-28T10:10:00Z","order":"o1"}]}'
if [ "$(cat "$T/after.json" 2>/dev/null)" = "$want_state" ]; then ok; else
    bad "--state-out wrote: $(head -c 400 "$T/after.json" 2>/dev/null)"; fi

# the same from stdin, implicitly and as -
run "$ECOM" inventory apply --state "$T/state.json" <"$T/ops.jsonl"
cp "$T/out" "$T/stdin1"
expect_rc "apply from stdin" 0
run "$ECOM" inventory apply --state="$T/state.json" - <"$T/ops.jsonl"
expect_rc "apply from -" 0
if cmp -s "$T/stdin1" "$T/out" && [ "$(wc -l <"$T/out")" -eq 4 ]; then ok; else bad "stdin results differ"; fi

# the saved state loads again, and --state-out may replace --state itself
cp "$T/after.json" "$T/inplace.json"
printf '%s\n' '{"op":"receive","sku":"A","location":"berlin","quantity":5}' >"$T/one.jsonl"
run "$ECOM" inventory apply --state "$T/inplace.json" "$T/one.jsonl" --state-out="$T/inplace.json"
expect_rc "state-out in place" 0
if grep -q '"location":"berlin","on_hand":5,' "$T/inplace.json" && grep -q '"status":"shipped"' "$T/inplace.json"; then
    ok; else bad "state-out in place: $(head -c 300 "$T/inplace.json")"; fi
if [ -z "$(ls "$T" | grep '\.tmp$')" ]; then ok; else bad "a temporary file was left behind"; fi

# an empty stream: no results, state unchanged
run "$ECOM" inventory apply --state "$T/after.json" /dev/null --state-out "$T/same.json"
expect_rc "empty stream" 0
if [ ! -s "$T/out" ] && cmp -s "$T/after.json" "$T/same.json"; then ok; else bad "empty stream changed something"; fi

# malformed lines are results too; the run ends with exit 3 (rejected rows)
cat >"$T/mixed.jsonl" <<'EOF'
not json at all
{"op": "launch"}
{"op": "available", "sku": "A", "at": "2026-11-28T10:00:00Z"}
{"op": "release", "id": "nope"}
{"op": "set", "sku": "A", "location": "berlin", "on_hand": -1}
EOF
run "$ECOM" inventory apply --state "$T/state.json" "$T/mixed.jsonl" --state-out "$T/mixed.json"
expect_rc "malformed lines" 3
codes=$(python3 -c '
import json, sys
print(" ".join(json.loads(l).get("error", {}).get("code", "ok") for l in open(sys.argv[1])))' "$T/out" 2>&1)
if [ "$codes" = "invalid_json invalid_field ok not_found invalid_field" ]; then ok; else
    bad "malformed lines gave: $codes"; fi
if grep -q 'not well-formed' "$T/err" && [ -s "$T/mixed.json" ]; then ok; else
    bad "malformed lines: stderr '$(cat "$T/err")', state-out written: $(test -s "$T/mixed.json" && echo yes || echo no)"; fi

# business failures alone are results, not rejections: exit 0
printf '%s\n' '{"op":"ship","id":"nope"}' '{"op":"commit","id":"nope","order":"o","at":"2026-11-28T10:00:00Z"}' >"$T/fails.jsonl"
run "$ECOM" inventory apply --state "$T/state.json" "$T/fails.jsonl"
expect_rc "failed operations" 0
if [ "$(grep -c '"code":"not_found"' "$T/out")" -eq 2 ]; then ok; else bad "failed operations: $(cat "$T/out")"; fi

# a refused state: error document on stdout, one line on stderr, exit 1, nothing written
printf '%s\n' '{"stock": [{"sku": "A", "location": "x", "on_hand": "2"}]}' >"$T/badstate.json"
run "$ECOM" inventory apply --state "$T/badstate.json" "$T/ops.jsonl" --state-out "$T/never.json"
expect_rc "refused state" 1
if grep -q '"code":"invalid_field"' "$T/out" && grep -q '"field":"stock\[0\].on_hand"' "$T/out" &&
    [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -e "$T/never.json" ]; then ok; else
    bad "refused state: stdout $(head -c 200 "$T/out"), stderr $(head -c 200 "$T/err")"; fi
printf '{"stock": [' >"$T/truncated.json"
run "$ECOM" inventory apply --state "$T/truncated.json" "$T/ops.jsonl"
expect_rc "state not JSON" 1
if grep -q '"code":"invalid_json"' "$T/out"; then ok; else bad "state not JSON: $(head -c 200 "$T/out")"; fi

# usage errors: exit 2, nothing on stdout
for args in "inventory" "inventory frobnicate" "inventory apply" "inventory apply $T/ops.jsonl" \
    "inventory apply --state" "inventory apply --state $T/state.json --bogus" \
    "inventory apply --state $T/state.json $T/ops.jsonl $T/ops.jsonl" \
    "inventory apply --state $T/state.json --state-out -" \
    "inventory apply --state $T/missing.json" "inventory apply --state $T/state.json $T/missing.jsonl"; do
    # shellcheck disable=SC2086
    run "$ECOM" $args
    expect_rc "ecom $args" 2
    if [ ! -s "$T/out" ] && [ -s "$T/err" ]; then ok; else bad "ecom $args: stdout '$(head -c 200 "$T/out")'"; fi
done

# each result is its own: a malformed operation after a shortage does not
# repeat the shortage's sku, requested and available
printf '{"stock": [{"sku": "A", "location": "b", "on_hand": 1}]}' >"$T/one.json"
printf '%s\n' '{"op":"reserve","id":"r1","lines":[{"sku":"A","quantity":5}],"ttl_seconds":60,"at":"2026-11-28T10:00:00Z"}' \
    '{"op":"commit"}' '{"op":"ship","id":"nope","lines":[{"sku":"A","quantity":1}]}' >"$T/short.jsonl"
run "$ECOM" inventory apply --state "$T/one.json" "$T/short.jsonl"
expect_rc "shortage then malformed" 3
if sed -n 1p "$T/out" | grep -q '"requested":5' && ! sed -n 2p "$T/out" | grep -q '"requested"' &&
    ! sed -n 3p "$T/out" | grep -q '"sku":"A"' && sed -n 3p "$T/out" | grep -q '"code":"not_found"'; then
    ok
else
    bad "results carry over: $(cat "$T/out")"
fi

# help names the command
run "$ECOM" help
if grep -q 'inventory apply --state STATE \[OPS\] \[--state-out FILE\]' "$T/out"; then ok; else
    bad "help does not list inventory apply"; fi
run "$ECOM" inventory apply --help
expect_rc "inventory apply --help" 0

echo "inventory.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
