"""report.py - the "ok" and "FAIL" lines of the deployment checks
(check.sh, ops_kit.sh): one per check, failures also kept in `failed`."""
import sys

failed = []


def ok(what):
    print("ok   " + what)


def bad(what):
    print("FAIL " + what, file=sys.stderr)
    failed.append(what)


def expect(cond, what):
    if cond:
        ok(what)
    else:
        bad(what)
