#!/usr/bin/env bash
# reprice_safety.sh - `ecom reprice` on inputs that went bad.
#
# - --max-rejects N: beyond N rejects the run stops (exit 1) at the row that
#   went beyond, with the same output, rejects and counts whatever the chunk
#   size and threads; N rejects or fewer finish as usual (exit 3);
# - an input none of whose rows could be priced is refused (exit 1), not
#   "finished with rejects" (exit 3), in every input format; an empty input
#   is still a success (exit 0);
# - every fatal error names the line of the input where it is, in the error
#   document and on stderr (a record over 64 MiB, a DOCTYPE or bad markup
#   before a feed's first item, a bad CSV header, --strict, a broken feed);
# - the error document, the stderr line and the rejects are valid UTF-8
#   whatever bytes the input holds.
#
# Usage: ECOM=build/bin/ecom bash tests/cli/reprice_safety.sh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.bash"
data=$here/reprice
AT=2026-11-28T10:00:00Z
R=(--rules "$data/rules.json" --at "$AT" --country DE --no-progress)

# reprice ARGS...: run with R; exit status in $rc, stdout/stderr in $T/out, $T/err.
reprice() {
    run "$ECOM" reprice "${R[@]}" "$@"
}

# expect_rc WHAT N
expect_rc() {
    if [ "$rc" -eq "$2" ]; then ok; else bad "$1: exit $rc, want $2: $(tail -n 2 "$T/err")"; fi
}

# summary: the summary line without its times.
summary() {
    grep '^reprice: [0-9]* rows' "$T/err" | tail -n 1 | sed -E 's/, [0-9.]+ s, [0-9.]+ M rows\/s$//'
}

# utf8_json WHAT FILE [lines]: FILE is strict UTF-8 and parses as one JSON
# document (or, with "lines", one per line).
utf8_json() {
    if python3 - "$2" "${3:-}" <<'EOF'; then ok; else bad "$1: $(head -c 300 "$2" | od -c | head -n 3)"; fi
import json, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")  # strict: raises on bad bytes
docs = text.splitlines() if sys.argv[2] == "lines" else [text]
assert docs and all(json.loads(d) is not None for d in docs)
EOF
}

# names_line WHAT LINE: the error document's message and the stderr line
# start with "line LINE:".
names_line() {
    if python3 - "$T/out" "$2" <<'EOF'; then ok; else bad "$1: no 'line $2:' in $(head -c 300 "$T/out")"; fi
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
assert doc["error"]["message"].startswith("line %s: " % sys.argv[2]), doc
EOF
    if grep -q "refused: .*line $2: " "$T/err"; then ok; else bad "$1: stderr lacks 'line $2:': $(tail -n 1 "$T/err")"; fi
}

# ---- --max-rejects --------------------------------------------------------------------
# catalog.csv: 18 rows, rejects at lines 9, 13, 14, 15, 16, 17, 18, 19.

for n in 0 3 7; do
    first=""
    for variant in "--chunk-size 1048576 --threads 1" "--chunk-size 7 --threads 3" "--chunk-size 64 --threads 2"; do
        # shellcheck disable=SC2086
        reprice --in "$data/catalog.csv" --out "$T/m.csv" --rejects "$T/m.rej" --max-rejects $n $variant
        expect_rc "--max-rejects $n ($variant)" 1
        {
            summary
            cat "$T/m.csv" "$T/m.rej"
            python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"])' "$T/out"
        } >"$T/m.all"
        if [ -z "$first" ]; then
            first=$(cat "$T/m.all")
        elif [ "$first" = "$(cat "$T/m.all")" ]; then
            ok
        else
            bad "--max-rejects $n ($variant) differs from one thread: $(diff <(echo "$first") "$T/m.all" | head -n 5)"
        fi
    done
    want_rej=$((n + 1))
    if [ "$(wc -l <"$T/m.rej")" -eq $want_rej ]; then ok; else bad "--max-rejects $n: $(wc -l <"$T/m.rej") rejects written, want $want_rej"; fi
    if grep -q '"code":"limit_exceeded"' "$T/out"; then ok; else bad "--max-rejects $n: $(cat "$T/out")"; fi
done
# the row that went beyond: the 4th reject (line 15) for N=3
reprice --in "$data/catalog.csv" --out "$T/m.csv" --rejects "$T/m.rej" --max-rejects 3
names_line "--max-rejects 3" 15
if [ "$(summary)" = "reprice: 12 rows, 8 priced, 4 rejected, 1 changed" ]; then ok; else bad "--max-rejects 3 summary: $(summary)"; fi
# --max-rejects 0 stops where --strict does, with the same output
reprice --in "$data/catalog.csv" --out "$T/strict.csv" --rejects "$T/strict.rej" --strict
reprice --in "$data/catalog.csv" --out "$T/m0.csv" --rejects "$T/m0.rej" --max-rejects 0
if cmp -s "$T/strict.csv" "$T/m0.csv" && cmp -s "$T/strict.rej" "$T/m0.rej"; then ok; else
    bad "--max-rejects 0 and --strict wrote different outputs"
fi
# at the limit or under it the batch finishes
for n in 8 1000; do
    reprice --in "$data/catalog.csv" --out "$T/m.csv" --rejects "$T/m.rej" --max-rejects $n
    expect_rc "--max-rejects $n (8 rejects)" 3
done
# a feed stops with its output cut before the rejected item
reprice --in "$data/feed.xml" --out "$T/f.xml" --rejects "$T/f.rej" --max-rejects 0
expect_rc "feed --max-rejects 0" 1
reprice --in "$data/feed.xml" --out "$T/fs.xml" --rejects "$T/fs.rej" --strict
if cmp -s "$T/f.xml" "$T/fs.xml"; then ok; else bad "feed: --max-rejects 0 and --strict differ"; fi

# ---- no good row: refused, not finished with rejects ------------------------------------

printf 'garbage\nmore garbage\n{"sku": 1}\n' >"$T/bad.jsonl"
printf 'sku,price\n,1.00\nA,-1\nB,x\n' >"$T/bad.csv"
cat >"$T/bad.xml" <<'EOF'
<?xml version="1.0"?>
<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel>
<item><g:id>NOPE-1</g:id><g:price>abc EUR</g:price></item>
<item><g:price>1.00 EUR</g:price></item>
</channel></rss>
EOF
for f in bad.jsonl bad.csv bad.xml; do
    reprice --in "$T/$f" --out "$T/nothing.out" --rejects "$T/nothing.rej"
    expect_rc "$f (no row priced)" 1
    utf8_json "$f error document" "$T/out"
    if grep -q 'no row was priced' "$T/out"; then ok; else bad "$f: $(cat "$T/out")"; fi
    if [ "$(wc -l <"$T/nothing.rej")" -ge 2 ]; then ok; else bad "$f: the rejects were not all written"; fi
done
reprice --in "$T/bad.jsonl" --out "$T/nothing.out"
names_line "bad.jsonl (first reject)" 1
# one good row among the bad ones: finished with rejects
printf 'garbage\n{"sku": "SHOE-1"}\n' >"$T/one.jsonl"
reprice --in "$T/one.jsonl" --out "$T/one.out"
expect_rc "one good row" 3
# an empty input has nothing to reject
reprice --in "$data/empty.csv" --out "$T/empty.out"
expect_rc "empty input" 0

# ---- fatal errors name their line ---------------------------------------------------------

# a record over 64 MiB on line 3 (an unclosed quote in CSV; one long JSON line)
{
    echo 'sku,price'
    echo 'SHOE-1,'
    printf '"'
    head -c $((65 << 20)) /dev/zero | tr '\0' 'x'
} >"$T/huge.csv"
reprice --in "$T/huge.csv" --out "$T/huge.out"
expect_rc "64 MiB record" 1
names_line "64 MiB CSV record" 3
{
    echo '{"sku": "SHOE-1"}'
    echo '{"sku": "SHOE-2"}'
    printf '{"sku": "'
    head -c $((65 << 20)) /dev/zero | tr '\0' 'x'
} >"$T/huge.jsonl"
reprice --in "$T/huge.jsonl" --out "$T/huge.out" --chunk-size 4096
names_line "64 MiB JSON line" 3
rm -f "$T/huge.csv" "$T/huge.jsonl"

# the feed before its first item
printf '<?xml version="1.0"?>\n<rss>\n<channel>\n<!DOCTYPE x>\n<item></item></channel></rss>\n' >"$T/decl.xml"
reprice --in "$T/decl.xml" --out "$T/o.xml"
expect_rc "DOCTYPE" 1
names_line "DOCTYPE before the first item" 4
printf '<?xml version="1.0"?>\n<rss>\n\n<channel>\n<title>t</title>\n< >\n<item></item></channel></rss>\n' >"$T/markup.xml"
reprice --in "$T/markup.xml" --out "$T/o.xml"
names_line "bad markup before the first item" 6
# a declaration among the items, in a later chunk
{
    printf '<?xml version="1.0"?>\n<rss xmlns:g="http://base.google.com/ns/1.0"><channel>\n'
    for i in 1 2 3; do printf '<item><g:id>SHOE-1</g:id></item>\n'; done
    printf '<!DOCTYPE x>\n<item><g:id>SHOE-1</g:id></item></channel></rss>\n'
} >"$T/late.xml"
reprice --in "$T/late.xml" --out "$T/o.xml" --chunk-size 16
names_line "declaration among the items" 6
# the CSV header, whatever its bytes
printf 'sk\377u,pr\xc3ice\nA,1\n' >"$T/header.csv"
reprice --in "$T/header.csv" --out "$T/o.csv"
expect_rc "garbage header" 1
names_line "garbage header" 1
utf8_json "garbage header: error document" "$T/out"
if python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/err"; then ok; else
    bad "garbage header: stderr is not UTF-8"
fi
# --strict and broken feeds (their lines were named before; still are)
reprice --in "$data/catalog.csv" --out "$T/o.csv" --strict
names_line "--strict" 9
reprice --in "$data/broken.xml" --out "$T/o.xml"
names_line "broken feed" 6

# ---- the same, on stdout: the one-line message names the line -----------------------------

reprice --in "$T/header.csv" --out -
if [ "$rc" -eq 1 ] && grep -q 'refused: .*line 1: unknown column' "$T/err" &&
    python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$T/err"; then ok; else
    bad "garbage header to stdout: exit $rc, $(tail -n 1 "$T/err")"
fi

# ---- rejects are UTF-8 whatever the SKUs hold ------------------------------------------------

printf 'sku,price\nA\377B,-1\n\xed\xa0\x80,x\n\xc0\xaf\xf4\x90\x80\x80,1.0.0\nSHOE-1,\n' >"$T/bytes.csv"
reprice --in "$T/bytes.csv" --out "$T/o.csv" --rejects "$T/bytes.rej"
expect_rc "bad bytes in SKUs" 3
utf8_json "rejects of bad bytes" "$T/bytes.rej" lines
if grep -qF $'"sku":"A\xef\xbf\xbdB"' "$T/bytes.rej"; then ok; else bad "bad byte not written as U+FFFD: $(head -n 1 "$T/bytes.rej")"; fi

echo "reprice_safety.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
