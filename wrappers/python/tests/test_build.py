"""The package's build backend (buildsys/ecommerce_build.py): its TOML
reader agrees with tomllib, and the wheel and sdist it writes hold what
they must, with a RECORD whose hashes match."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import sys
import tarfile
import unittest
import zipfile
from pathlib import Path

import ecommerce

from . import support

sys.path.insert(0, str(support.PACKAGE_DIR / "buildsys"))
import ecommerce_build  # noqa: E402  (after the path is set)

SAMPLE = r'''
# a comment
[project]
name = "x-y"   # trailing comment
version = "1.2.3"
description = "quotes \" and \\ and \u00e9 and \t"
license = { text = "MIT", "quoted key" = "v" }
flags = [true, false, 7, -3]
classifiers = [
    "A :: B",  # inside an array
    "C",
]
empty = []

[tool.ecommerce-build]
packages = ["x"]
'''


class TestToml(unittest.TestCase):
    @unittest.skipIf(sys.version_info < (3, 11), "tomllib is Python 3.11+")
    def test_agrees_with_tomllib(self) -> None:
        import tomllib

        text = (support.PACKAGE_DIR / "pyproject.toml").read_text(encoding="utf-8")
        self.assertEqual(ecommerce_build.parse_toml(text), tomllib.loads(text))
        self.assertEqual(ecommerce_build.parse_toml(SAMPLE), tomllib.loads(SAMPLE))

    def test_sample(self) -> None:
        doc = ecommerce_build.parse_toml(SAMPLE)
        self.assertEqual(doc["project"]["description"], 'quotes " and \\ and \u00e9 and \t')
        self.assertEqual(doc["project"]["license"], {"text": "MIT", "quoted key": "v"})
        self.assertEqual(doc["project"]["flags"], [True, False, 7, -3])
        self.assertEqual(doc["tool"]["ecommerce-build"]["packages"], ["x"])

    def test_refuses_what_it_cannot_read(self) -> None:
        with self.assertRaises(ValueError):
            ecommerce_build.parse_toml("name = 1.5\n")
        with self.assertRaises(ValueError):
            ecommerce_build.parse_toml("just words\n")


def record_rows(z: zipfile.ZipFile, dist_info: str):  # type: ignore[no-untyped-def]
    text = z.read(f"{dist_info}/RECORD").decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


class TestWheel(unittest.TestCase):
    def test_wheel_contents_and_record(self) -> None:
        project = ecommerce_build.Project()
        self.assertEqual(project.version, ecommerce.__version__)
        with support.temp_dir() as tmp:
            name = ecommerce_build.build_wheel(str(tmp))
            self.assertEqual(name, f"ecommerce-{ecommerce.__version__}-py3-none-any.whl")
            with zipfile.ZipFile(Path(tmp) / name) as z:
                names = set(z.namelist())
                dist_info = project.dist_info
                modules = {p.name for p in (support.PACKAGE_DIR / "ecommerce").glob("*.py")}
                want = {f"ecommerce/{m}" for m in modules} | {"ecommerce/py.typed"}
                want |= {f"{dist_info}/{f}" for f in
                         ("METADATA", "WHEEL", "RECORD", "top_level.txt", "LICENSE")}
                self.assertEqual(names, want)
                rows = record_rows(z, dist_info)
                self.assertEqual({r[0] for r in rows}, names)
                for path, digest, size in rows:
                    if path.endswith("/RECORD"):
                        self.assertEqual((digest, size), ("", ""))
                        continue
                    data = z.read(path)
                    sha = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                    self.assertEqual(digest, "sha256=" + sha.decode(), path)
                    self.assertEqual(int(size), len(data), path)
                meta = z.read(f"{dist_info}/METADATA").decode("utf-8")
                self.assertIn("Name: ecommerce\n", meta)
                self.assertIn(f"Version: {ecommerce.__version__}\n", meta)
                self.assertIn("Requires-Python: >=3.8\n", meta)
                self.assertIn("Classifier: Typing :: Typed\n", meta)
                self.assertIn("# ecommerce (Python)", meta)  # the README
                self.assertEqual(z.read(f"{dist_info}/LICENSE"),
                                 (support.REPO / "LICENSE").read_bytes())
                self.assertIn(b"Tag: py3-none-any\n", z.read(f"{dist_info}/WHEEL"))

    def test_editable_wheel_points_at_the_source(self) -> None:
        with support.temp_dir() as tmp:
            name = ecommerce_build.build_editable(str(tmp))
            with zipfile.ZipFile(Path(tmp) / name) as z:
                pth = [n for n in z.namelist() if n.endswith(".pth")]
                self.assertEqual(len(pth), 1)
                self.assertEqual(z.read(pth[0]).decode().strip(), str(support.PACKAGE_DIR))
                self.assertFalse(any(n.startswith("ecommerce/") for n in z.namelist()))

    def test_sdist_builds_again(self) -> None:
        with support.temp_dir() as tmp:
            name = ecommerce_build.build_sdist(str(tmp))
            with tarfile.open(Path(tmp) / name) as tar:
                names = set(tar.getnames())
            base = name[: -len(".tar.gz")]
            for need in ("pyproject.toml", "README.md", "LICENSE", "PKG-INFO",
                         "buildsys/ecommerce_build.py", "ecommerce/__init__.py",
                         "ecommerce/py.typed", "tests/test_build.py"):
                self.assertIn(f"{base}/{need}", names)
            self.assertFalse(any("__pycache__" in n for n in names))

    def test_metadata_hook(self) -> None:
        with support.temp_dir() as tmp:
            folder = ecommerce_build.prepare_metadata_for_build_wheel(str(tmp))
            self.assertTrue((Path(tmp) / folder / "METADATA").is_file())
        self.assertEqual(ecommerce_build.get_requires_for_build_wheel(), [])
        self.assertEqual(ecommerce_build.get_requires_for_build_sdist(), [])


if __name__ == "__main__":
    unittest.main()
