#!/usr/bin/env bash
# reprice.sh - a batch repricing run: the nightly job that recomputes the
# effective price of every SKU of a catalog after a rule change.
#
#   examples/reprice.sh [EXTRA ecom reprice OPTIONS...]
#
# Prices examples/catalog.csv (CSV with a header: sku, price, currency,
# categories separated by |, tax_category, current_price) with the rules of
# examples/rules.json and writes one CSV row per SKU to stdout: list price,
# price after product promotions, tax, display price and whether it changed
# against current_price.  Extra options go to `ecom reprice` (for instance
# --country DE --customer-group b2b, or --out-format jsonl).  ECOM names the
# program (default: build/bin/ecom of this checkout).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ECOM=${ECOM:-build/bin/ecom}

if [ ! -x "$ECOM" ]; then
    echo "reprice.sh: $ECOM not found; build it with make" >&2
    exit 1
fi
# `ecom reprice` arrives after the pricing commands; until a build has it,
# say so and succeed, so that `make examples` runs the other examples.
if ! "$ECOM" help 2>&1 | grep -qw reprice; then
    echo "reprice.sh: this ecom has no 'reprice' command yet; skipping the batch example"
    exit 0
fi

echo "\$ $ECOM reprice --rules examples/rules.json --in examples/catalog.csv --out -${*:+ $*}" >&2
"$ECOM" reprice --rules examples/rules.json --in examples/catalog.csv --out - "$@"
