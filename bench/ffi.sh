#!/usr/bin/env bash
# ffi.sh - carts priced per second through Python and Node, next to C.
#
#   bash bench/ffi.sh [--carts N] [--lines L] [--rounds R] [--repeat K]
#
# One workload for all three (bench/ffi/gen.py: a 5,000-product ruleset and N
# carts of L lines, 2,000 x 10 by default, generated in a temporary folder,
# never committed), priced R times (default 5) after a warm-up:
#   C       bench/ffi/price_c.c, compiled here against build/lib, calling
#           ec_pricer_price_json(): JSON in, JSON out, the pricing itself;
#   Python  ecommerce.Ruleset.price_json(bytes) and .price(dict);
#   Node    Ruleset.priceJSON(string) and .price(object).
# The three programs run in turn K times (default 3) and each row keeps its
# best run, so that a burst of load on a shared machine skews one run, not
# the comparison.  For each surface it prints carts/s and microseconds per
# cart; the boundary cost is the surface's time per cart minus C's.  The
# target: through the text calls, the boundary costs less than the pricing
# itself.  Figures vary with the machine: compare runs on one machine.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CARTS=2000 LINES=10 ROUNDS=5 REPEAT=3
while [ $# -gt 0 ]; do
    case "$1" in
    --carts) CARTS=$2; shift 2 ;;
    --lines) LINES=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "usage: $0 [--carts N] [--lines L] [--rounds R] [--repeat K]" >&2; exit 2 ;;
    esac
done

LIB=build/lib/libecommerce.so.0
[ -e "$LIB" ] || { echo "ffi.sh: $LIB missing; run make first" >&2; exit 1; }
if [ ! -d wrappers/node/node_modules/koffi ]; then
    (cd wrappers/node && npm ci --no-audit --no-fund >/dev/null)
fi
export ECOMMERCE_LIBRARY=$ROOT/$LIB

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 bench/ffi/gen.py "$T" --carts "$CARTS" --lines "$LINES"
${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -Iinclude \
    bench/ffi/price_c.c -Lbuild/lib -lecommerce -Wl,-rpath,"$ROOT/build/lib" -o "$T/price_c"

for _ in $(seq "$REPEAT"); do
    "$T/price_c" "$T/rules.json" "$T/carts.jsonl" "$ROUNDS"
    python3 bench/ffi/price.py "$T/rules.json" "$T/carts.jsonl" "$ROUNDS"
    node bench/ffi/price.mjs "$T/rules.json" "$T/carts.jsonl" "$ROUNDS"
done >"$T/figures"

awk -v carts="$CARTS" -v lines="$LINES" -v rounds="$ROUNDS" -v repeat="$REPEAT" '
BEGIN {
    label["c"] = "C      ec_pricer_price_json"
    label["py-text"] = "Python Ruleset.price_json(bytes)"
    label["py-dict"] = "Python Ruleset.price(dict)"
    label["node-text"] = "Node   Ruleset.priceJSON(string)"
    label["node-obj"] = "Node   Ruleset.price(object)"
}
!($1 in secs) { order[++rows] = $1 }
!($1 in secs) || $3 < secs[$1] { calls[$1] = $2; secs[$1] = $3; bytes[$1] = $4 }
END {
    c_us = secs["c"] / calls["c"] * 1e6
    printf "ffi bench: %d carts x %d lines, %d rounds (%d calls per row), best of %d\n\n", carts, lines, rounds, calls["c"], repeat
    printf "%-34s %12s %10s %14s\n", "surface", "carts/s", "us/cart", "boundary us"
    for (i = 1; i <= rows; i++) {
        k = order[i]; us = secs[k] / calls[k] * 1e6
        b = (k == "c") ? "-" : sprintf("%+.2f", us - c_us)
        printf "%-34s %12.0f %10.2f %14s\n", label[k], calls[k] / secs[k], us, b
    }
    printf "\npricing itself (C): %.2f us per cart; target: boundary below that for the text calls\n", c_us
    for (k in bytes) if (k ~ /text/ && bytes[k] != bytes["c"]) {
        printf "ffi.sh: %s produced %d bytes, C %d: the surfaces disagree\n", k, bytes[k], bytes["c"]
        bad = 1
    }
    exit bad
}' "$T/figures"
