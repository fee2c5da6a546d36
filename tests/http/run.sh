#!/usr/bin/env bash
# run.sh - the ecomd end-to-end tests.  Every test starts its own ecomd on a
# free 127.0.0.1 port in a temporary directory and stops it by pid.
#
# Usage: ECOMD=build/bin/ecomd ECOM=build/bin/ecom bash tests/http/run.sh [filter...]
# Prints PASS/FAIL per test, then "http: N passed, M failed"; exits non-zero
# on any failure.
#
# The suite runs once per store: on SQLite, then on a private PostgreSQL
# (pgtemp.py) when its server binaries are installed.  ECOMD_TEST_STORE=sqlite
# or =pg runs one store only (test_pg_store.py exists on PostgreSQL only, so
# select it with ECOMD_TEST_STORE=pg).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export ECOMD="${ECOMD:-$root/build/bin/ecomd}"
export ECOM="${ECOM:-$root/build/bin/ecom}"
for p in "$ECOMD" "$ECOM"; do
    [ -x "$p" ] || { echo "run.sh: $p is not built (make)" >&2; echo "http: 0 passed, 1 failed"; exit 1; }
done
if [ -n "${ECOMD_TEST_STORE:-}" ]; then
    exec python3 "$here/runner.py" "$@"
fi
echo "-- store: sqlite"
ECOMD_TEST_STORE=sqlite python3 "$here/runner.py" "$@" || exit 1
if ! python3 -c "import sys; sys.path.insert(0, '$here'); import pgtemp; sys.exit(not pgtemp.available())"; then
    echo "run.sh: PostgreSQL server binaries not installed (scripts/deps.sh installs them)" >&2
    exit 1
fi
echo "-- store: postgresql"
ECOMD_TEST_STORE=pg exec python3 "$here/runner.py" "$@"
