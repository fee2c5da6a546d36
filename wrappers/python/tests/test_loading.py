"""Finding the library: the environment variable, the build tree, and clear
errors when it is missing or is not libecommerce."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest

import ecommerce
from ecommerce import _lib

from . import support

PROBE = "import ecommerce; print(ecommerce.library_path()); print(ecommerce.library_version())"


def run_python(env_changes, cwd=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(support.PACKAGE_DIR)
    for k, v in env_changes.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=60)


class TestLoading(unittest.TestCase):
    def test_environment_variable_wins(self):
        path = ecommerce.library_path()
        run = run_python({_lib.ENV_VAR: path})
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.splitlines()[0], path)

    def test_build_tree_found_from_anywhere(self):
        build = support.REPO / "build" / "lib" / _lib.SONAME
        if os.environ.get(_lib.ENV_VAR) and not build.is_file():
            self.skipTest("library given by ECOMMERCE_LIBRARY, no build tree")
        with support.temp_dir() as tmp:
            run = run_python({_lib.ENV_VAR: None}, cwd=tmp)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.splitlines()[0], str(build))

    def test_missing_library_is_an_import_error(self):
        run = run_python({_lib.ENV_VAR: "/nonexistent/libecommerce.so.0"})
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("LibraryNotFoundError", run.stderr)
        self.assertIn("ECOMMERCE_LIBRARY", run.stderr)
        self.assertIn("/nonexistent/libecommerce.so.0", run.stderr)

    def test_other_library_is_refused(self):
        run = run_python({_lib.ENV_VAR: "libc.so.6"})
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("lacks ec_version_string", run.stderr)

    def test_candidates_order(self):
        saved = os.environ.pop(_lib.ENV_VAR, None)
        try:
            found = _lib.candidates()
        finally:
            if saved is not None:
                os.environ[_lib.ENV_VAR] = saved
        self.assertIn(_lib.SONAME, found)
        build = support.REPO / "build" / "lib" / _lib.SONAME
        if build.is_file():
            self.assertEqual(found[0], str(build))

    def test_every_function_is_declared_for_type_checkers(self):
        # Api's annotations are what mypy and pyright check calls against;
        # the tables are what ctypes declares: the same functions in both.
        tables = set().union(*(table.keys() for table in _lib._GROUPS.values()))
        annotated = {name for name in _lib.Api.__annotations__ if name.startswith("ec_")}
        self.assertEqual(tables, annotated)

    def test_status_names_come_from_the_library(self):
        api = _lib.load()
        self.assertEqual(api.status_name(0), "ok")
        self.assertEqual(api.status_name(2), "invalid_field")
        self.assertEqual(api.status_name(13), "insufficient_stock")
        self.assertEqual(api.status_name(10_000), "unknown")
        for name in api.status_names[1:]:
            self.assertTrue(issubclass(ecommerce.errors.error_class(name), ecommerce.EcommerceError))


if __name__ == "__main__":
    unittest.main()
