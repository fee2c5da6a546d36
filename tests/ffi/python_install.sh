#!/usr/bin/env bash
# python_install.sh - the Python package installs with no package index, as
# a newcomer installs it: `python3 -m venv v && v/bin/pip install
# ./wrappers/python`, in a temporary folder outside the source tree.
#
#   1. pip install --no-index into a fresh venv: the package's own build
#      backend needs nothing; the source tree is left as it was;
#   2. without a library the import fails with LibraryNotFoundError naming
#      ECOMMERCE_LIBRARY; after `make install PREFIX=<the venv>` the
#      installed package finds the library there and prices a cart to the
#      cent `ecom cart price` gives;
#   3. a second venv installs with pip's index set to a closed loopback
#      port: the install must not try to reach it;
#   4. the sdist the backend writes installs offline too, an editable
#      install (-e) imports from the source tree, and two wheel builds are
#      the same bytes.
#
# Usage: O=build bash tests/ffi/python_install.sh    (from anywhere)
# Prints "python install: N passed, M failed"; exits non-zero on a failure.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
O=${O:-build}
ECOM_BIN=${ECOM:-$ROOT/$O/bin/ecom}
PKG=$ROOT/wrappers/python
# Debian's python3, as on a fresh Debian 12, when there is one.
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1
unset ECOMMERCE_LIBRARY PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS

# the temporary folder $T and the ok/bad counters of the CLI scripts
ECOM=$ECOM_BIN . "$ROOT/tests/cli/common.bash"

# The source tree as a listing; bytecode caches aside, it must not change.
tree() { (cd "$PKG" && find . -path '*/__pycache__' -prune -o -print | sort); }
tree >"$T/tree.before"

# ---- 1. offline install -------------------------------------------------------------
"$PY" -m venv "$T/v" || { bad "python3 -m venv failed (scripts/deps.sh installs python3-venv)"; exit 1; }
if (cd "$T" && v/bin/pip install --no-index "$PKG") >"$T/pip.log" 2>&1; then ok; else
    bad "pip install --no-index: $(tail -n 5 "$T/pip.log")"
fi
tree >"$T/tree.after"
if cmp -s "$T/tree.before" "$T/tree.after"; then ok; else
    bad "the install changed the source tree: $(diff "$T/tree.before" "$T/tree.after" | head -n 5)"
fi
for left in build dist ecommerce.egg-info; do
    [ -e "$PKG/$left" ] && bad "the install left $PKG/$left"
done
site=$("$T/v/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
if [ -f "$site/ecommerce/py.typed" ] && [ -f "$site/ecommerce-0.2.0.dist-info/LICENSE" ]; then ok; else
    bad "the installed package lacks py.typed or its LICENSE"
fi

# ---- 2. finding the library ---------------------------------------------------------------
probe='import ecommerce, json, sys
rules = ecommerce.Ruleset(sys.argv[1])
print(ecommerce.library_path())
print(json.dumps(rules.price(open(sys.argv[2]).read()), separators=(",", ":")))'
(cd "$T" && v/bin/python -c "$probe" "$ROOT/examples/rules.json" "$ROOT/examples/cart.json") \
    >"$T/out" 2>"$T/err"
if [ $? -ne 0 ] && grep -q LibraryNotFoundError "$T/err" && grep -q ECOMMERCE_LIBRARY "$T/err"; then ok; else
    bad "without a library: $(tail -n 2 "$T/err")"
fi
env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -C "$ROOT" O="$O" PREFIX="$T/v" LDCONFIG=true \
    install >"$T/install.log" 2>&1 ||
    bad "make install PREFIX=venv: $(tail -n 3 "$T/install.log")"
(cd "$T" && v/bin/python -c "$probe" "$ROOT/examples/rules.json" "$ROOT/examples/cart.json") \
    >"$T/out" 2>"$T/err"
"$ECOM_BIN" cart price --rules "$ROOT/examples/rules.json" "$ROOT/examples/cart.json" >"$T/ecom.out"
if [ "$(sed -n 1p "$T/out")" = "$T/v/lib/libecommerce.so.0" ]; then ok; else
    bad "after make install: loaded $(sed -n 1p "$T/out") $(tail -n 2 "$T/err")"
fi
if [ "$(sed -n 2p "$T/out")" = "$(cat "$T/ecom.out")" ]; then ok; else
    bad "the installed package prices otherwise than ecom: $(sed -n 2p "$T/out" | head -c 200)"
fi

# ---- 3. an unreachable index is never asked ---------------------------------------------------
"$PY" -m venv "$T/w"
if (cd "$T" && PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_RETRIES=0 PIP_TIMEOUT=2 \
    w/bin/pip install "$PKG") >"$T/pip2.log" 2>&1; then ok; else
    bad "pip install with an unreachable index: $(tail -n 5 "$T/pip2.log")"
fi

# ---- 4. sdist, editable, reproducible wheels ------------------------------------------------------
backend() { # HOOK DIR: call one hook of the backend as pip would, print its result
    (cd "$PKG" && "$PY" -c 'import sys; sys.path.insert(0, "buildsys"); import ecommerce_build as b
print(getattr(b, sys.argv[1])(sys.argv[2]))' "$1" "$2")
}
mkdir -p "$T/dist1" "$T/dist2" "$T/sdist"
w1=$(backend build_wheel "$T/dist1") && sleep 1 && w2=$(backend build_wheel "$T/dist2")
if [ -n "$w1" ] && cmp -s "$T/dist1/$w1" "$T/dist2/$w2"; then ok; else bad "two wheel builds differ"; fi
sd=$(backend build_sdist "$T/sdist")
"$PY" -m venv "$T/s"
if (cd "$T" && s/bin/pip install --no-index "sdist/$sd") >"$T/pip3.log" 2>&1 &&
    (cd "$T" && s/bin/python -c 'import ecommerce' 2>&1 | grep -q LibraryNotFoundError); then ok; else
    bad "installing the sdist $sd offline: $(tail -n 5 "$T/pip3.log")"
fi
"$PY" -m venv "$T/e"
if (cd "$T" && e/bin/pip install --no-index -e "$PKG") >"$T/pip4.log" 2>&1; then ok; else
    bad "pip install -e: $(tail -n 5 "$T/pip4.log")"
fi
where=$(cd "$T" && ECOMMERCE_LIBRARY="$T/v/lib/libecommerce.so.0" e/bin/python -c \
    'import ecommerce; print(ecommerce.__file__)')
if [ "$where" = "$PKG/ecommerce/__init__.py" ]; then ok; else bad "editable install imports $where"; fi
tree >"$T/tree.after"
if cmp -s "$T/tree.before" "$T/tree.after"; then ok; else
    bad "the builds changed the source tree: $(diff "$T/tree.before" "$T/tree.after" | head -n 5)"
fi

echo "python install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
