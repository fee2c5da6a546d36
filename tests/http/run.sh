#!/usr/bin/env bash
# run.sh - the ecomd end-to-end tests.  Every test starts its own ecomd on a
# free 127.0.0.1 port in a temporary directory and stops it by pid.
#
# Usage: ECOMD=build/bin/ecomd ECOM=build/bin/ecom bash tests/http/run.sh [filter...]
# Prints PASS/FAIL per test, then "http: N passed, M failed"; exits non-zero
# on any failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export ECOMD="${ECOMD:-$root/build/bin/ecomd}"
export ECOM="${ECOM:-$root/build/bin/ecom}"
for p in "$ECOMD" "$ECOM"; do
    [ -x "$p" ] || { echo "run.sh: $p is not built (make)" >&2; echo "http: 0 passed, 1 failed"; exit 1; }
done
exec python3 "$here/runner.py" "$@"
