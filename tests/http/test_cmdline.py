"""test_cmdline.py - ecomd's command line follows ecom's conventions.

Options as "--name value" or "--name=value" (and unambiguous prefixes),
-h/--help and -V/--version, usage errors with exit 2 that name the option,
and every ECOMD_* environment variable still read, the command line
winning over it.
"""
import os
import subprocess

import ecomd_harness
from ecomd_harness import Server, check, eq


def ecomd(*args, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([ecomd_harness.ECOMD, *args], capture_output=True, env=full_env,
                          timeout=20)


def test_version_and_help():
    ecom = subprocess.run([os.environ.get("ECOM", "ecom"), "version"], capture_output=True)
    for flag in ("--version", "-V"):
        r = ecomd(flag)
        eq(r.returncode, 0, flag)
        lines = r.stdout.decode().splitlines()
        check(lines[0].startswith("ecomd ") and lines[1].startswith("libecommerce "),
              "%s prints ecomd's and the library's versions: %r" % (flag, lines))
        eq(lines[0].split()[1], ecom.stdout.decode().split()[1], "the version ecom prints")
    for flag in ("--help", "-h"):
        r = ecomd(flag)
        eq(r.returncode, 0, flag)
        check(b"--listen" in r.stdout and b"--version" in r.stdout, "%s lists the options" % flag)
        eq(r.stderr, b"", "%s writes nothing on stderr" % flag)


def test_usage_errors_name_the_option():
    cases = [
        (["--nope", "1"], b"unknown option '--nope'"),
        (["--nope=1"], b"unknown option '--nope'"),
        (["--listen"], b"option '--listen' needs a value"),
        (["--version=2"], b"option '--version' takes no value"),
        (["--threads=0"], b"--threads: '0' is not a number from 1 to 256"),
        (["-x"], b"unknown option '-x'"),
        (["serve"], b"unexpected argument 'serve'"),
    ]
    for args, message in cases:
        r = ecomd(*args)
        eq(r.returncode, 2, "exit status of %s" % args)
        check(message in r.stderr, "%s: %r in %r" % (args, message, r.stderr))
        check(b"ecomd --help" in r.stderr, "%s: the message says where the help is" % args)


def test_equals_form_and_prefixes_serve():
    # --name=value for the options the harness does not set, a prefix for one
    args = ["--region=eu-west", "--instance=eu-1", "--threads=2", "--max-body=65536",
            "--idempotency-ttl=0", "--events-ttl", "0", "--per-ip=100"]
    with Server(args=args) as s:
        eq(s.request("GET", "/healthz").status, 200, "serving")
        metrics = s.request("GET", "/metrics").body.decode()
        check('region="eu-west"' in metrics and 'instance="eu-1"' in metrics,
              "the labels given as --name=value")
        big = {"currency": "EUR", "at": "2026-11-28T10:00:00Z",
               "lines": [{"sku": "SHOE-1", "quantity": 1}], "id": "x" * 70000}
        eq(s.request("POST", "/v1/price", big).status, 413, "--max-body=65536 applies")


def test_environment_still_read_and_overridden():
    env = {"ECOMD_REGION": "from-env", "ECOMD_INSTANCE": "env-1"}
    with Server(args=["--instance=flag-1"], env=env) as s:
        metrics = s.request("GET", "/metrics").body.decode()
        check('region="from-env"' in metrics, "ECOMD_REGION is read")
        check('instance="flag-1"' in metrics and "env-1" not in metrics,
              "the command line wins over ECOMD_INSTANCE")
    r = ecomd("--version", env={"ECOMD_THREADS": "zero"})
    eq(r.returncode, 2, "a bad ECOMD_THREADS is a usage error")
    check(b"ECOMD_THREADS" in r.stderr, "the message names the variable")
