#!/usr/bin/env bash
# run.sh - the FFI packages' own tests against the build tree.
#
#   wrappers/python: python3 -m unittest (tests/ in the package)
#   wrappers/node:   node --test test/*.test.js (npm ci first when
#                    node_modules/ is missing)
#
# Both suites run every conformance case through the package and compare
# with `ecom`, map errors to exceptions, call from 8 threads (Python) or 8
# workers (Node), and check that memory stays flat over a million calls
# (ECOMMERCE_FFI_MEMORY_CALLS changes the count).
#
# Usage: bash tests/ffi/run.sh      (from anywhere; O=build/... picks the build)
# Prints "ffi: N passed, M failed" (one per package) and exits non-zero on
# any failure.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
O=${O:-build}

LIB=$ROOT/$O/lib/libecommerce.so.0
ECOM_BIN=${ECOM:-$ROOT/$O/bin/ecom}
for f in "$LIB" "$ECOM_BIN"; do
    if [ ! -e "$f" ]; then
        echo "ffi: $f is missing; run make first" >&2
        exit 1
    fi
done
export ECOMMERCE_LIBRARY=$LIB ECOM=$ECOM_BIN

pass=0
fail=0
result() { # NAME STATUS
    if [ "$2" -eq 0 ]; then
        pass=$((pass + 1))
        echo "PASS $1"
    else
        fail=$((fail + 1))
        echo "FAIL $1"
    fi
}

echo "== Python package (wrappers/python) =="
if command -v python3 >/dev/null; then
    python3 -m unittest discover -s wrappers/python/tests -t wrappers/python
    result python $?
else
    echo "python3 not found (scripts/deps.sh installs it)"
    result python 1
fi

echo "== Node package (wrappers/node) =="
node_ok=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node or npm not found (scripts/deps.sh installs them)"
elif [ ! -d wrappers/node/node_modules/koffi ] &&
    ! (cd wrappers/node && npm ci --no-audit --no-fund); then
    echo "npm ci failed in wrappers/node"
else
    (cd wrappers/node && node --test --test-reporter=spec test/*.test.js)
    node_ok=$?
fi
result node "$node_ok"

echo "ffi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
