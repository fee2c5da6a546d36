#!/usr/bin/env bash
# check.sh - ABI and packaging checks of a built libecommerce (`make check`).
#
#   a. the shared object exports exactly the functions declared EC_API in
#      include/ecommerce/*.h, all named ec_*
#   b. every global symbol of the static archive is named ec_* (or ec__*)
#   c. every public header compiles on its own, twice (include guard), as
#      C11 -pedantic and as C++11; the umbrella header includes them all
#   d. the soname is libecommerce.so.MAJOR and the .pc version is the header's
#   e. `make install DESTDIR=tmp` installs every file; C and C++ programs built
#      with the installed .pc (shared and static) run and print the header's
#      version; `make uninstall` removes every file again
#
# Run from make, which passes O (build directory), CC, CXX, NM, READELF,
# PKG_CONFIG and MAKE in the environment.
set -euo pipefail
cd "$(dirname "$0")/../.."

O=${O:-build}
CC=${CC:-cc}
CXX=${CXX:-c++}
NM=${NM:-nm}
READELF=${READELF:-readelf}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
MAKE=${MAKE:-make}

passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "  ok    $*"
}
bad() {
    failed=$((failed + 1))
    echo "  FAIL  $*"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The version, read from the header independently of the Makefile.
field() { awk -v n="EC_VERSION_$1" '$2 == n { print $3 }' include/ecommerce/version.h; }
MAJOR=$(field MAJOR)
VERSION=$MAJOR.$(field MINOR).$(field PATCH)

so=$O/lib/libecommerce.so.$VERSION
archive=$O/lib/libecommerce.a
pc=$O/lib/pkgconfig/libecommerce.pc
for f in "$so" "$archive" "$pc"; do
    [ -e "$f" ] || {
        echo "check: $f is missing; run make first" >&2
        exit 1
    }
done

# Names declared `EC_API <type> <name>(` (the declaration may wrap lines).
api_names() {
    awk '
        /^[[:space:]]*EC_API[[:space:]]/ { decl = ""; open = 1 }
        open {
            decl = decl " " $0
            if (decl ~ /[(;]|\[/) {
                sub(/[(;].*|\[.*/, "", decl)
                n = split(decl, word, /[^A-Za-z0-9_]+/)
                while (n > 0 && word[n] == "") n--
                print word[n]
                open = 0
            }
        }' include/ecommerce/*.h | sort -u
}

# ---- a. exported symbols ------------------------------------------------------
echo "-- a. exported symbols of $so"
api_names >"$tmp/api"
"$NM" -D --defined-only "$so" | awk 'NF == 3 { sub(/@.*/, "", $3); print $3 }' |
    sort -u >"$tmp/exported"
if [ ! -s "$tmp/api" ]; then
    bad "no EC_API declaration found in include/ecommerce/*.h"
fi
misnamed=$(grep -v '^ec_' "$tmp/api" || true)
if [ -n "$misnamed" ]; then
    bad "EC_API functions not named ec_*: $(echo $misnamed)"
fi
extra=$(comm -13 "$tmp/api" "$tmp/exported")
missing=$(comm -23 "$tmp/api" "$tmp/exported")
[ -z "$extra" ] || bad "exported but not declared EC_API: $(echo $extra)"
[ -z "$missing" ] || bad "declared EC_API but not defined in the library: $(echo $missing)"
if [ -z "$extra$missing$misnamed" ] && [ -s "$tmp/api" ]; then
    ok "$(wc -l <"$tmp/api") exported functions == EC_API declarations"
fi

# ---- b. static archive ----------------------------------------------------------
echo "-- b. global symbols of $archive"
foreign=$("$NM" -g --defined-only "$archive" | awk 'NF == 3 && $3 !~ /^ec_/ { print $3 }' |
    sort -u)
if [ -z "$foreign" ]; then
    ok "every global symbol is named ec_* or ec__*"
else
    bad "global symbols outside the ec_ namespace: $(echo $foreign)"
fi

# ---- c. headers ---------------------------------------------------------------------
echo "-- c. public headers"
for h in include/ecommerce.h include/ecommerce/*.h; do
    rel=${h#include/}
    # (The typedef keeps a header without declarations, such as export.h, from
    # being an empty translation unit, which -pedantic rejects.)
    printf '#include <%s>\n#include <%s>\ntypedef int header_check;\n' "$rel" "$rel" \
        >"$tmp/header.c"
    if "$CC" -std=c11 -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only \
        "$tmp/header.c" 2>"$tmp/err"; then
        ok "$rel: C11"
    else
        bad "$rel: C11"
        sed 's/^/        /' "$tmp/err"
    fi
    if "$CXX" -x c++ -std=c++11 -fsyntax-only -Wall -Wextra -Werror -Iinclude \
        "$tmp/header.c" 2>"$tmp/err"; then
        ok "$rel: C++11"
    else
        bad "$rel: C++11"
        sed 's/^/        /' "$tmp/err"
    fi
done
not_in_umbrella=
for h in include/ecommerce/*.h; do
    grep -q "^#include [\"<]ecommerce/${h##*/}[\">]" include/ecommerce.h ||
        not_in_umbrella="$not_in_umbrella ${h#include/}"
done
if [ -z "$not_in_umbrella" ]; then
    ok "ecommerce.h includes every include/ecommerce/*.h"
else
    bad "ecommerce.h does not include:$not_in_umbrella"
fi

# ---- d. soname and pkg-config version ------------------------------------------------
echo "-- d. soname and version"
soname=$("$READELF" -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$soname" = "libecommerce.so.$MAJOR" ]; then
    ok "soname $soname"
else
    bad "soname is '$soname', expected libecommerce.so.$MAJOR"
fi
pc_version=$(sed -n 's/^Version:[[:space:]]*//p' "$pc")
if [ "$pc_version" = "$VERSION" ]; then
    ok "libecommerce.pc version $pc_version == version.h"
else
    bad "libecommerce.pc version is '$pc_version', version.h says $VERSION"
fi

# ---- e. install, use through pkg-config, uninstall --------------------------------------
echo "-- e. install into a temporary DESTDIR, build against it, uninstall"
dest=$tmp/dest
prefix=/usr/local
dirs=(PREFIX=$prefix BINDIR=$prefix/bin LIBDIR=$prefix/lib INCLUDEDIR=$prefix/include
    PKGCONFIGDIR=$prefix/lib/pkgconfig)
if "$MAKE" --no-print-directory -s install O="$O" DESTDIR="$dest" "${dirs[@]}" >"$tmp/log" 2>&1; then
    ok "make install DESTDIR=... PREFIX=$prefix"
else
    bad "make install failed:"
    sed 's/^/        /' "$tmp/log"
fi

expected=(
    "$prefix/include/ecommerce.h"
    "$prefix/lib/libecommerce.a"
    "$prefix/lib/libecommerce.so.$VERSION"
    "$prefix/lib/libecommerce.so.$MAJOR"
    "$prefix/lib/libecommerce.so"
    "$prefix/lib/pkgconfig/libecommerce.pc"
)
for h in include/ecommerce/*.h; do expected+=("$prefix/$h"); done
[ -x "$O/bin/ecom" ] && expected+=("$prefix/bin/ecom" "$prefix/share/man/man1/ecom.1")
[ -x "$O/bin/ecomd" ] && expected+=("$prefix/bin/ecomd" "$prefix/share/man/man8/ecomd.8")
absent=
for f in "${expected[@]}"; do
    [ -e "$dest$f" ] || absent="$absent $f"
done
if [ -z "$absent" ]; then
    ok "${#expected[@]} files installed"
else
    bad "not installed:$absent"
fi

# pkg-config sees the staged tree through its sysroot support, which prefixes
# the -I and -L paths with DESTDIR.
export PKG_CONFIG_PATH=$dest$prefix/lib/pkgconfig
export PKG_CONFIG_SYSROOT_DIR=$dest
libdir=$dest$prefix/lib

if [ "$("$PKG_CONFIG" --modversion libecommerce 2>&1)" = "$VERSION" ]; then
    ok "pkg-config --modversion libecommerce = $VERSION"
else
    bad "pkg-config --modversion libecommerce: $("$PKG_CONFIG" --modversion libecommerce 2>&1)"
fi

cat >"$tmp/version.c" <<'EOF'
#include <ecommerce.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    if (strcmp(ec_version_string(), EC_VERSION_STRING) != 0 ||
        ec_version_number() != EC_VERSION_NUMBER) {
        fprintf(stderr, "library %s, header %s\n", ec_version_string(), EC_VERSION_STRING);
        return 1;
    }
    puts(ec_version_string());
    return 0;
}
EOF

# A C++ program that takes the address of every EC_API function through the
# umbrella header: it links only if every declaration has C linkage.
{
    echo '#include <ecommerce.h>'
    echo '#include <cstdio>'
    echo 'typedef void (*any_fn)(void);'
    echo 'static const any_fn api[] = {'
    sed 's/.*/    reinterpret_cast<any_fn>(\&&),/' "$tmp/api"
    echo '};'
    echo 'int main()'
    echo '{'
    echo '    for (unsigned i = 0; i < sizeof api / sizeof api[0]; i++)'
    echo '        if (!api[i]) return 1;'
    echo '    std::puts(ec_version_string());'
    echo '    return 0;'
    echo '}'
} >"$tmp/api.cc"

# Builds $1 with compiler $2 and the remaining flags, runs it, and checks that
# it prints the header's version.
build_and_run() {
    local what=$1 compiler=$2
    shift 2
    if ! "$compiler" "$@" -o "$tmp/prog" >"$tmp/log" 2>&1; then
        bad "$what: build failed:"
        head -n 20 "$tmp/log" | sed 's/^/        /'
        return
    fi
    local out
    out=$(LD_LIBRARY_PATH=$libdir "$tmp/prog" 2>&1) || true
    if [ "$out" = "$VERSION" ]; then
        ok "$what prints $out"
    else
        bad "$what printed '$out', expected $VERSION"
    fi
}

read -ra pc_cflags <<<"$("$PKG_CONFIG" --cflags libecommerce)"
read -ra pc_libs <<<"$("$PKG_CONFIG" --libs libecommerce)"
# For the static link, the archive itself plus the libraries of
# Requires.private, as `pkg-config --static` reports them.
static_libs=()
for l in $("$PKG_CONFIG" --static --libs-only-l libecommerce); do
    [ "$l" = -lecommerce ] || static_libs+=("$l")
done

build_and_run "C program, shared (pkg-config --cflags --libs)" "$CC" -std=c11 -Wall -Wextra \
    -Werror "${pc_cflags[@]}" "$tmp/version.c" "${pc_libs[@]}"
# ldd's whole output first: grep -q stops reading at the match, and under
# pipefail the SIGPIPE that ldd may then get would fail the pipeline.
loaded=$(LD_LIBRARY_PATH=$libdir ldd "$tmp/prog" 2>/dev/null || true)
if grep -q "$libdir/libecommerce.so.$MAJOR" <<<"$loaded"; then
    ok "it loads the installed libecommerce.so.$MAJOR"
else
    bad "it does not load $libdir/libecommerce.so.$MAJOR"
fi
build_and_run "C program, static (pkg-config --static)" "$CC" -std=c11 -Wall -Wextra -Werror \
    "${pc_cflags[@]}" "$tmp/version.c" "$libdir/libecommerce.a" "${static_libs[@]}"
build_and_run "C++ program using every EC_API function" "$CXX" -std=c++11 -Wall -Wextra \
    -Werror "${pc_cflags[@]}" "$tmp/api.cc" "${pc_libs[@]}"

if "$MAKE" --no-print-directory -s uninstall O="$O" DESTDIR="$dest" "${dirs[@]}" >"$tmp/log" 2>&1; then
    left=$(cd "$dest" && find . -type f -o -type l)
    if [ -z "$left" ]; then
        ok "make uninstall removes every installed file"
    else
        bad "left after make uninstall: $(echo $left)"
    fi
else
    bad "make uninstall failed:"
    sed 's/^/        /' "$tmp/log"
fi

echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
