#!/usr/bin/env bash
# options.sh - every ecom command takes its options the same way.
#
# For each command: `--name value` and `--name=value` give the same bytes
# and exit status; options may follow operands; `--` lets an operand start
# with a dash; an unambiguous prefix of an option is accepted; `--help` and
# `-h` print that command's own help (never the global one) on stdout and
# exit 0, as `ecom help COMMAND` does; an unknown option, a missing value
# and a value given to a flag are usage errors (exit 2) that name the
# command and the option.  Then the global options (--help, --version).
#
# Usage: ECOM=build/bin/ecom bash tests/cli/options.sh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.bash"

RULES=$root/examples/rules.json
CART=$root/examples/cart.json
AT=2026-11-28T10:00:00Z

# same_run WHAT -- CMD1... -- CMD2...: both exit alike with the same stdout.
same_run() {
    local what=$1 a=() b=()
    shift 2
    while [ "$1" != -- ]; do
        a+=("$1")
        shift
    done
    shift
    b=("$@")
    "${a[@]}" >"$T/a.out" 2>"$T/a.err"
    local rca=$?
    "${b[@]}" >"$T/b.out" 2>"$T/b.err"
    local rcb=$?
    if [ "$rca" = "$rcb" ] && cmp -s "$T/a.out" "$T/b.out" && [ -s "$T/a.out" ]; then
        ok
    else
        bad "$what: exit $rca vs $rcb, stdout $(head -c 120 "$T/a.out") vs $(head -c 120 "$T/b.out")"
    fi
}

# expect_usage WHAT PATTERN CMD...: exit 2, nothing on stdout, PATTERN
# (extended regex) on stderr.
expect_usage() {
    local what=$1 pattern=$2
    shift 2
    run "$@"
    if [ "$rc" -eq 2 ] && [ ! -s "$T/out" ] && grep -Eq -- "$pattern" "$T/err"; then ok; else
        bad "$what: want exit 2 and /$pattern/ on stderr; got exit $rc: $(head -c 300 "$T/err")"
    fi
}

# ---- --name value and --name=value ---------------------------------------------------

same_run "cart price --rules=" -- "$ECOM" cart price --rules "$RULES" "$CART" \
    -- "$ECOM" cart price "--rules=$RULES" "$CART"
same_run "cart price: option after the operand" -- "$ECOM" cart price --rules "$RULES" "$CART" \
    -- "$ECOM" cart price "$CART" --rules "$RULES"
same_run "cart price: an option's prefix" -- "$ECOM" cart price --rules "$RULES" "$CART" \
    -- "$ECOM" cart price --rul "$RULES" "$CART"

"$ECOM" order create --rules "$RULES" --id ord-1 "$CART" >"$T/order.json"
same_run "order create --rules= --id= --at=" \
    -- "$ECOM" order create --rules "$RULES" --id ord-1 --at "$AT" "$CART" \
    -- "$ECOM" order create "--rules=$RULES" "--id=ord-1" "--at=$AT" "$CART"
echo '{"id": "evt-1", "type": "capture", "at": "2026-11-28T10:05:00Z"}' >"$T/event.json"
"$ECOM" order machine >"$T/machine.json"
same_run "order apply --order= --machine=" \
    -- "$ECOM" order apply --machine "$T/machine.json" --order "$T/order.json" "$T/event.json" \
    -- "$ECOM" order apply "--machine=$T/machine.json" "--order=$T/order.json" "$T/event.json"

printf '{"stock": [{"sku": "A", "location": "berlin", "on_hand": 5}], "reservations": []}\n' >"$T/state.json"
printf '{"op": "available", "sku": "A", "at": "%s"}\n' "$AT" >"$T/ops.jsonl"
same_run "inventory apply --state= --state-out=" \
    -- "$ECOM" inventory apply --state "$T/state.json" --state-out "$T/s1.json" "$T/ops.jsonl" \
    -- "$ECOM" inventory apply "--state=$T/state.json" "--state-out=$T/s2.json" "$T/ops.jsonl"
if cmp -s "$T/s1.json" "$T/s2.json" && [ -s "$T/s1.json" ]; then ok; else bad "--state-out= wrote another state"; fi

"$ECOM" keygen --name shop --role admin | sed -n 2p | cut -d' ' -f1-2 >"$T/k1"
"$ECOM" keygen --name=shop --role=admin | sed -n 2p | cut -d' ' -f1-2 >"$T/k2"
if [ "$(cat "$T/k1")" = "shop admin" ] && cmp -s "$T/k1" "$T/k2"; then ok; else
    bad "keygen --name= --role=: $(cat "$T/k1") vs $(cat "$T/k2")"
fi

same_run "reprice with = everywhere" \
    -- "$ECOM" reprice --rules "$RULES" --in "$root/examples/catalog.csv" --out - \
    --country DE --at "$AT" --threads 2 --max-rejects 100 --no-progress \
    -- "$ECOM" reprice "--rules=$RULES" "--in=$root/examples/catalog.csv" --out=- \
    --country=DE "--at=$AT" --threads=2 --max-rejects=100 --no-progress

# "--" ends the options: an operand may start with a dash
cp "$RULES" "$T/-rules.json"
(cd "$T" && "$ECOM" rules check -- -rules.json) >"$T/out" 2>"$T/err"
if grep -q '^ok: ' "$T/out"; then ok; else bad "rules check -- -rules.json: $(cat "$T/err")"; fi

# ---- help: every command's own ----------------------------------------------------------

for cmd in "rules check" "cart price" reprice "order machine" "order create" "order apply" "inventory apply" \
    keygen version help; do
    # shellcheck disable=SC2086
    run "$ECOM" $cmd --help
    cp "$T/out" "$T/help1"
    if [ "$rc" -eq 0 ] && [ ! -s "$T/err" ] && head -n 1 "$T/help1" | grep -q "^usage: ecom $cmd" &&
        ! grep -q '^commands:' "$T/help1"; then ok; else
        bad "ecom $cmd --help: exit $rc, $(head -n 2 "$T/help1")"
    fi
    # shellcheck disable=SC2086
    run "$ECOM" $cmd -h
    if cmp -s "$T/out" "$T/help1"; then ok; else bad "ecom $cmd -h differs from --help"; fi
    # shellcheck disable=SC2086
    run "$ECOM" help $cmd
    if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/help1"; then ok; else bad "ecom help $cmd differs from --help"; fi
done
# help after other arguments is still the command's help
run "$ECOM" reprice --rules "$RULES" --help
if [ "$rc" -eq 0 ] && grep -q -- '--max-rejects' "$T/out" && ! grep -q '^commands:' "$T/out"; then ok; else
    bad "ecom reprice --rules R --help: exit $rc, $(head -n 2 "$T/out")"
fi
for group in rules cart order inventory; do
    run "$ECOM" $group --help
    if [ "$rc" -eq 0 ] && grep -q "^  $group " "$T/out" && ! grep -q "^  reprice" "$T/out"; then ok; else
        bad "ecom $group --help: exit $rc, $(head -n 3 "$T/out")"
    fi
    run "$ECOM" help $group
    if [ "$rc" -eq 0 ] && grep -q "^  $group " "$T/out"; then ok; else bad "ecom help $group: exit $rc"; fi
done

# ---- usage errors ----------------------------------------------------------------------

expect_usage "unknown option" "^ecom cart price: unknown option '--frob'" \
    "$ECOM" cart price --rules "$RULES" --frob "$CART"
expect_usage "unknown option with a value" "^ecom reprice: unknown option '--colour'" \
    "$ECOM" reprice --colour=red
expect_usage "missing value" "^ecom order apply: option '--order' needs a value" \
    "$ECOM" order apply --order
expect_usage "value given to a flag" "^ecom reprice: option '--strict' takes no value" \
    "$ECOM" reprice --strict=yes
expect_usage "ambiguous prefix" "unknown option '--c'" "$ECOM" reprice --c DE
expect_usage "unknown short option" "unknown option '-x'" "$ECOM" keygen -x
expect_usage "usage names the help" "see 'ecom inventory apply --help'" "$ECOM" inventory apply
expect_usage "--max-rejects takes a count" "max-rejects takes a count" \
    "$ECOM" reprice --rules "$RULES" --in "$CART" --out - --max-rejects=-1
expect_usage "unknown global option" "unknown option" "$ECOM" --frob
expect_usage "help of an unknown command" "unknown command 'frob'" "$ECOM" help frob

# ---- global options ----------------------------------------------------------------------

run "$ECOM" version
cp "$T/out" "$T/version"
for args in --version -V; do
    run "$ECOM" $args
    if [ "$rc" -eq 0 ] && cmp -s "$T/out" "$T/version" && grep -q '^ecom [0-9]' "$T/out"; then ok; else
        bad "ecom $args: exit $rc, $(cat "$T/out")"
    fi
done
for args in --help -h help; do
    run "$ECOM" $args
    if [ "$rc" -eq 0 ] && grep -q '^commands:' "$T/out" && grep -q 'reprice --rules RULES' "$T/out"; then ok; else
        bad "ecom $args: exit $rc"
    fi
done

echo "options.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
