#!/usr/bin/env bash
# man.sh - the manual pages docs/ecom.1 and docs/ecomd.8.
#
# Each page must render without a single warning, both through groff with
# every warning enabled (groff -ww) and through man(1) as a user reads it;
# the rendered text must keep what the source means (quotes, an option and
# its value apart); every option that `ecom COMMAND --help` or
# `ecomd --help` prints must be described on the page; and the version on
# the page must be the program's.
#
# Run with ECOM=path/to/ecom (ecomd is looked for beside it).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.bash"
ECOMD=${ECOMD:-$(dirname "$ECOM")/ecomd}
export LC_ALL=C.UTF-8 MANPAGER=cat PAGER=cat MANWIDTH=80

for tool in groff man; do
    command -v $tool >/dev/null || {
        echo "man.sh: $tool is not installed (scripts/deps.sh installs it)"
        echo "man.sh: 0 passed, 1 failed"
        exit 1
    }
done

# render PAGE: checks both renderers' warnings; the text in $T/PAGE.txt.
render() {
    local page=$1 name
    name=$(basename "$page")
    groff -ww -z -man "$page" 2>"$T/$name.groff"
    if [ -s "$T/$name.groff" ]; then
        bad "groff -ww $name: $(head -n 5 "$T/$name.groff")"
    else
        ok
    fi
    man --warnings -l "$page" >"$T/$name.txt" 2>"$T/$name.man"
    if [ $? -eq 0 ] && [ ! -s "$T/$name.man" ] && [ -s "$T/$name.txt" ]; then ok; else
        bad "man --warnings -l $name: $(head -n 5 "$T/$name.man")"
    fi
}

# has PAGE TEXT: the rendered page holds TEXT (fixed string).
has() {
    if grep -qF -- "$2" "$T/$(basename "$1").txt"; then ok; else bad "$(basename "$1") lacks: $2"; fi
}

# options_described PAGE HELP_FILE: every --option of the help is on the page.
options_described() {
    local page=$1 opt missing=""
    for opt in $(grep -oE -- '--[a-z][a-z-]*[a-z]' "$2" | sort -u); do
        grep -qE -- "(^|[^a-z-])$opt([^a-z-]|$)" "$T/$(basename "$page").txt" || missing="$missing $opt"
    done
    if [ -z "$missing" ]; then ok; else bad "$(basename "$page") does not describe:$missing"; fi
}

version=$("$ECOM" version | sed -n 's/^ecom //p')

# ---- ecom(1) ----------------------------------------------------------------------
page=$root/docs/ecom.1
render "$page"
has "$page" "ecom order apply [--machine machine] --order order [event]"
has "$page" '{"error": {"code", "message", "field"}}'
has "$page" '{"order", "effects", "duplicate"}'
has "$page" "echo '{\"currency\":\"EUR\""
has "$page" "--max-rejects n"
has "$page" "libecommerce $version"
# an option glued to its value ("--machineM") is a formatting slip
if grep -qE -- '--[a-z-]+[A-Z]' "$T/ecom.1.txt"; then
    bad "ecom.1 glues an option to its value: $(grep -oE -- '--[a-z-]+[A-Z][^ ]*' "$T/ecom.1.txt" | head -n 3)"
else
    ok
fi
: >"$T/ecom-help"
for cmd in "rules check" "cart price" reprice "order machine" "order create" "order apply" "inventory apply" \
    keygen version help; do
    # shellcheck disable=SC2086
    "$ECOM" $cmd --help >>"$T/ecom-help" || bad "ecom $cmd --help failed"
    has "$page" "ecom $cmd"
done
"$ECOM" --help >>"$T/ecom-help"
options_described "$page" "$T/ecom-help"

# ---- ecomd(8) ---------------------------------------------------------------------
page=$root/docs/ecomd.8
render "$page"
has "$page" "libecommerce $version"
has "$page" "ECOMD_LISTEN"
if [ -x "$ECOMD" ]; then
    "$ECOMD" --help >"$T/ecomd-help"
    options_described "$page" "$T/ecomd-help"
    # and the page describes no option ecomd does not know (tags sit at column 8)
    for opt in $(grep -oE -- '^ {7}--[a-z][a-z-]*[a-z]' "$T/ecomd.8.txt" | tr -d ' ' | sort -u); do
        grep -qE -- "$opt([^a-z-]|$)" "$T/ecomd-help" || bad "ecomd.8 describes $opt, which ecomd --help lacks"
    done
else
    bad "$ECOMD is not built"
fi

echo "man.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
