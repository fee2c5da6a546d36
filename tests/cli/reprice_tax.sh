#!/usr/bin/env bash
# reprice_tax.sh - `ecom reprice` with a tax jurisdiction: --region,
# --postal-code and --tax-class (and the same keys of --context) make the
# display prices follow the place, as a cart there is taxed.
#
# The ruleset (reprice_tax/rules.json): HAT 10.00 taxed "standard", BOOK
# 20.00 "reduced" (0% everywhere).  Every expected display price below is
# worked out by hand beside it; then each context's display prices are
# checked against `ecom cart price` for a one-unit cart at the same place.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.bash"
data=$here/reprice_tax
AT=2026-11-28T10:00:00Z
R=(--rules "$data/rules.json" --in "$data/catalog.csv" --at "$AT")

# field NAME: column NAME of the record for SKU in CSV file FILE
field() { # field FILE SKU CONTEXT_INDEX NAME
    python3 - "$@" <<'PY'
import csv, sys
path, sku, index, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = [r for r in csv.DictReader(open(path)) if r["sku"] == sku]
print(rows[index][name] if index < len(rows) else "(no record)")
PY
}

expect() { # expect WHAT GOT WANT
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', want '$3'"; fi
}

echo "-- the flags"
run "$ECOM" reprice "${R[@]}" --out "$T/flags.csv" --country US --region US-CA --postal-code "900 12"
expect "flags: exit" "$rc" 0
expect "flags: header" "$(head -n 1 "$T/flags.csv")" \
    "sku,currency,country,customer_group,channel,region,postal_code,tax_class,list_price,price,price_list,promotion,tax_percent,display_price,changed"
# 10.00 + 6% 0.60 + 1% 0.10 + 2.5% 0.25 (postal prefix 900 of "90012")
expect "US-CA 900: HAT display" "$(field "$T/flags.csv" HAT 0 display_price)" 10.95
expect "US-CA 900: HAT percent" "$(field "$T/flags.csv" HAT 0 tax_percent)" 9.5
expect "US-CA 900: postal column" "$(field "$T/flags.csv" HAT 0 postal_code)" "900 12"
expect "US-CA 900: BOOK display" "$(field "$T/flags.csv" BOOK 0 display_price)" 20.00

echo "-- contexts"
contexts=(
    country=US                              # US 0%: 10.00
    country=US,region=US-CA                 # state 6%: 10.60
    country=US,region=US-CA,postal_code=902 # no entry for 902: the state's 10.60
    country=CA,region=CA-QC                 # GST 0.50 + QST 9.975% = 0.9975 -> 1.00: 11.50
    country=CA,region=CA-ON                 # HST 13%: 11.30
    country=DE                              # VAT 19%: 11.90
    country=DE,tax_class=b2b_reverse_charge # the class's 0% entry: 10.00
)
want=(10.00 10.60 10.60 11.50 11.30 11.90 10.00)
args=()
for c in "${contexts[@]}"; do args+=(--context "$c"); done
run "$ECOM" reprice "${R[@]}" --out "$T/ctx.csv" "${args[@]}"
expect "contexts: exit" "$rc" 0
for i in "${!contexts[@]}"; do
    expect "${contexts[$i]}: HAT display" "$(field "$T/ctx.csv" HAT "$i" display_price)" "${want[$i]}"
done
expect "CA-QC: percent" "$(field "$T/ctx.csv" HAT 3 tax_percent)" 14.975
expect "reverse charge: tax class column" "$(field "$T/ctx.csv" HAT 6 tax_class)" b2b_reverse_charge

echo "-- agreement with ecom cart price"
python3 - "$ECOM" "$data/rules.json" "$T/ctx.csv" "$T" "${contexts[@]}" <<'PY' >"$T/agree"
import csv, json, subprocess, sys
ecom, rules, out, tmp, contexts = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
rows = list(csv.DictReader(open(out)))
problems = 0
for sku in ("HAT", "BOOK"):
    mine = [r for r in rows if r["sku"] == sku]
    for ctx, row in zip(contexts, mine):
        cart = {"currency": "USD", "at": "2026-11-28T10:00:00Z", "lines": [{"sku": sku, "quantity": 1}]}
        cart.update(dict(kv.split("=") for kv in ctx.split(",")))
        path = tmp + "/cart.json"
        json.dump(cart, open(path, "w"))
        got = json.loads(subprocess.run([ecom, "cart", "price", "--rules", rules, path],
                                        capture_output=True).stdout)
        line = got["lines"][0]
        if (line["total"], line["tax_percent"]) != (row["display_price"], row["tax_percent"]):
            problems += 1
            print("%s %s: cart %s %s, reprice %s %s" % (sku, ctx, line["total"], line["tax_percent"],
                                                         row["display_price"], row["tax_percent"]))
print("problems", problems)
PY
if grep -q '^problems 0$' "$T/agree"; then ok; else bad "cart price disagrees: $(cat "$T/agree")"; fi

echo "-- without a jurisdiction the records keep their columns"
run "$ECOM" reprice "${R[@]}" --out "$T/plain.csv" --country DE
expect "plain: header" "$(head -n 1 "$T/plain.csv")" \
    "sku,currency,country,customer_group,channel,list_price,price,price_list,promotion,tax_percent,display_price,changed"
run "$ECOM" reprice "${R[@]}" --out "$T/j.jsonl" --out-format jsonl --context country=US,region=US-CA
if grep -q '"region":"US-CA","postal_code":null,"tax_class":null' "$T/j.jsonl"; then ok; else
    bad "jsonl lacks the place: $(head -n 1 "$T/j.jsonl")"; fi

echo "-- refusals"
run "$ECOM" reprice "${R[@]}" --out - --context country=US --region US-CA
if [ "$rc" = 2 ] && grep -q 'not both' "$T/err"; then ok; else bad "context and --region: $rc"; fi
run "$ECOM" reprice "${R[@]}" --out - --postal-code "$(printf 'a\tb')"
if [ "$rc" = 2 ] && grep -q 'postal_code' "$T/err"; then ok; else bad "bad postal code: $rc $(cat "$T/err")"; fi

echo "reprice_tax: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
