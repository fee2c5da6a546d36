# common.bash - what every tests/cli script shares: a temporary directory
# removed on exit, pass/fail counters, and `run` capturing a command.
# Sourced, never run (the Makefile runs tests/cli/*.sh only).

: "${ECOM:?set ECOM to the ecom program under test}"

T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
}

# run CMD...: stdout in $T/out, stderr in $T/err, exit status in $rc.
rc=0
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
