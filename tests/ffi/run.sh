#!/usr/bin/env bash
# run.sh - the FFI packages' own tests against the build tree.
#
#   wrappers/python: python3 -m unittest (tests/ in the package); mypy
#                    --strict (Debian's mypy) and pyright in strict mode
#                    (from npm, locked in tests/ffi/pyright, installed there
#                    by npm ci) on the package and its build backend; and
#                    tests/ffi/python_install.sh, the offline venv install
#   wrappers/node:   node --test test/*.test.js (npm ci first when
#                    node_modules/ lacks koffi or typescript), which
#                    includes tsc on the declarations and npm pack
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

echo "== Python package: mypy --strict =="
if command -v mypy >/dev/null; then
    (cd wrappers/python && mypy) # settings in pyproject.toml: strict, Python 3.8
    result mypy $?
else
    echo "mypy not found (scripts/deps.sh installs Debian's mypy)"
    result mypy 1
fi

echo "== Python package: pyright (strict) =="
pyright=tests/ffi/pyright/node_modules/.bin/pyright
if [ ! -x "$pyright" ] && command -v npm >/dev/null; then
    (cd tests/ffi/pyright && npm ci --no-audit --no-fund)
fi
if [ -x "$pyright" ]; then
    (cd wrappers/python && "$ROOT/$pyright" --pythonpath "$(command -v python3)")
    result pyright $?
else
    echo "pyright could not be installed (npm ci in tests/ffi/pyright)"
    result pyright 1
fi

echo "== Python package: offline install into a fresh venv =="
O="$O" bash tests/ffi/python_install.sh
result python-install $?

echo "== Node package (wrappers/node) =="
node_ok=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node or npm not found (scripts/deps.sh installs them)"
elif { [ ! -d wrappers/node/node_modules/koffi ] || [ ! -d wrappers/node/node_modules/typescript ]; } &&
    ! (cd wrappers/node && npm ci --no-audit --no-fund); then
    echo "npm ci failed in wrappers/node"
else
    (cd wrappers/node && node --test --test-reporter=spec test/*.test.js)
    node_ok=$?
fi
result node "$node_ok"

echo "ffi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
