"""runner.py - runs every test_* function of tests/http/test_*.py.

Prints PASS/FAIL per test and "http: N passed, M failed"; exits 1 on any
failure.  Optional arguments select files or name substrings.
"""
import glob
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ecomd_harness  # noqa: E402  (after the path is set)


def main(argv):
    files = sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    wanted = argv[1:]
    passed = failed = 0
    for path in files:
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for fname in sorted(n for n in dir(mod) if n.startswith("test_")):
            full = "%s.%s" % (name, fname)
            if wanted and not any(w in full for w in wanted):
                continue
            t0 = time.time()
            try:
                ecomd_harness.PROBLEMS.clear()
                getattr(mod, fname)()
                if ecomd_harness.PROBLEMS:
                    raise AssertionError("\n".join(ecomd_harness.PROBLEMS))
                passed += 1
                print("PASS %s (%.1fs)" % (full, time.time() - t0), flush=True)
            except Exception:  # a failed assertion or a crash of the test itself
                failed += 1
                print("FAIL %s" % full, flush=True)
                traceback.print_exc()
    print("http: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
