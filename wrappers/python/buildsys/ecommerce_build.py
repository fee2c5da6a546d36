"""The package's own PEP 517 build backend, on the standard library only.

``pip install ./wrappers/python`` then needs nothing from a package index:
no setuptools, no wheel, no network.  pip calls these hooks in a
subprocess (``pyproject.toml`` names this module and its folder through
``build-backend`` and ``backend-path``); they read ``pyproject.toml`` and
write the wheel or sdist straight into the folder pip gives, so nothing is
written into the source tree (no ``build/``, no ``*.egg-info``).

What goes in: the ``.py`` files and ``py.typed`` of the packages that
``[tool.ecommerce-build] packages`` lists, the README as the long
description and ``LICENSE`` in the ``.dist-info`` folder.  The package is
pure Python (it loads the C library with ctypes at import time), so the
wheel is ``py3-none-any``.  Archives are reproducible: entries sorted, times
from ``SOURCE_DATE_EPOCH`` (default 1980-01-01), no owners.

Hooks: build_wheel, build_sdist, build_editable (PEP 660: a ``.pth`` file
naming the source folder), prepare_metadata_for_build_wheel/_editable and
the get_requires_for_* hooks, which need nothing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
Config = Optional[Dict[str, Any]]


# ---- pyproject.toml ------------------------------------------------------------------

_KEY = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=\s*")


def _value(text: str, i: int) -> Tuple[Any, int]:
    """One TOML value at text[i:]: a basic string, a boolean, an integer, an
    array or an inline table of those (what this project's file uses)."""
    while text[i] in " \t\r\n" or text.startswith("#", i):
        i = text.index("\n", i) + 1 if text[i] == "#" else i + 1
    c = text[i]
    if c == '"':
        end = i + 1
        while text[end] != '"':
            end += 2 if text[end] == "\\" else 1
        # TOML's escapes in basic strings are JSON's (but for \\U and \\e)
        return json.loads(text[i : end + 1]), end + 1
    if c in "[{":
        close = "]" if c == "[" else "}"
        items: List[Any] = []
        table: Dict[str, Any] = {}
        i += 1
        while True:
            while text[i] in " \t\r\n,":
                i += 1
            if text.startswith("#", i):
                i = text.index("\n", i)
                continue
            if text[i] == close:
                return (items if c == "[" else table), i + 1
            if c == "[":
                v, i = _value(text, i)
                items.append(v)
            else:
                m = _KEY.match(text, i)
                if not m:
                    raise ValueError(f"pyproject.toml: a key expected at offset {i}")
                v, i = _value(text, m.end())
                table[m.group(1).strip('"')] = v
    m = re.compile(r"true|false|-?[0-9]+").match(text, i)
    if not m:
        raise ValueError(f"pyproject.toml: unsupported value at offset {i}")
    word = m.group(0)
    return (word == "true" if word in ("true", "false") else int(word)), m.end()


def parse_toml(text: str) -> Dict[str, Any]:
    """The subset of TOML that pyproject.toml uses here, for Pythons older
    than 3.11 (tomllib); tests/test_build.py checks it agrees with tomllib."""
    doc: Dict[str, Any] = {}
    table = doc
    i = 0
    while i < len(text):
        line_end = text.find("\n", i)
        line_end = len(text) if line_end < 0 else line_end
        line = text[i:line_end].strip()
        if not line or line.startswith("#"):
            i = line_end + 1
            continue
        if line.startswith("["):
            table = doc
            for part in line.strip("[]").split("."):
                table = table.setdefault(part.strip().strip('"'), {})
            i = line_end + 1
            continue
        m = _KEY.match(text, i)
        if not m:
            raise ValueError(f"pyproject.toml: cannot read {line!r}")
        table[m.group(1).strip('"')], i = _value(text, m.end())
    return doc


def read_pyproject(root: Path = ROOT) -> Dict[str, Any]:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)
    return parse_toml(text)  # Python 3.8 to 3.10


class Project:
    """What the hooks need from pyproject.toml and the tree."""

    def __init__(self, root: Path = ROOT) -> None:
        doc = read_pyproject(root)
        self.root = root
        self.meta: Dict[str, Any] = doc["project"]
        self.name: str = self.meta["name"]
        self.version: str = self.meta["version"]
        self.packages: List[str] = doc["tool"]["ecommerce-build"]["packages"]
        self.dist = re.sub(r"[-_.]+", "_", self.name).lower()
        self.dist_info = f"{self.dist}-{self.version}.dist-info"
        self._check_version()

    def _check_version(self) -> None:
        # The package says its version too (__version__): they must agree.
        for package in self.packages:
            init = (self.root / package / "__init__.py").read_text(encoding="utf-8")
            m = re.search(r'^__version__ = "([^"]+)"', init, re.M)
            if m and m.group(1) != self.version:
                raise ValueError(
                    f"{package}/__init__.py says {m.group(1)}, pyproject.toml {self.version}"
                )

    def metadata(self) -> bytes:
        """The core metadata (METADATA / PKG-INFO), version 2.1."""
        m = self.meta
        lines = [
            "Metadata-Version: 2.1",
            f"Name: {self.name}",
            f"Version: {self.version}",
            f"Summary: {m.get('description', '')}",
        ]
        if "license" in m:
            lines.append(f"License: {m['license'].get('text', '')}")
        lines.append("License-File: LICENSE")
        if "requires-python" in m:
            lines.append(f"Requires-Python: {m['requires-python']}")
        lines += [f"Requires-Dist: {d}" for d in m.get("dependencies", [])]
        lines += [f"Classifier: {c}" for c in m.get("classifiers", [])]
        lines += [f"Project-URL: {k}, {v}" for k, v in m.get("urls", {}).items()]
        readme = m.get("readme")
        body = ""
        if readme:
            lines.append("Description-Content-Type: text/markdown")
            body = (self.root / readme).read_text(encoding="utf-8")
        return ("\n".join(lines) + "\n\n" + body).encode("utf-8")

    def package_files(self) -> List[str]:
        """The packages' .py files and py.typed, relative to the root, sorted."""
        files: List[str] = []
        for package in self.packages:
            for path in sorted((self.root / package).rglob("*")):
                rel = path.relative_to(self.root)
                if "__pycache__" in rel.parts or not path.is_file():
                    continue
                if path.suffix == ".py" or path.name == "py.typed":
                    files.append(rel.as_posix())
        return files

    def sdist_files(self) -> List[str]:
        """Everything a build from the sdist needs, and the package's tests."""
        extra = ["pyproject.toml", "README.md", "LICENSE"]
        for folder in ("buildsys", "tests"):
            for path in sorted((self.root / folder).rglob("*.py")):
                if "__pycache__" not in path.parts:
                    extra.append(path.relative_to(self.root).as_posix())
        return sorted(set(extra + self.package_files()))


# ---- archives ---------------------------------------------------------------------------


def _epoch() -> int:
    # Zip times start in 1980; a reproducible build takes SOURCE_DATE_EPOCH.
    return max(int(os.environ.get("SOURCE_DATE_EPOCH") or "315532800"), 315532800)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


class _Wheel:
    """A wheel being written: entries in order, RECORD last."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.records: List[str] = []
        self.time = time.gmtime(_epoch())[:6]

    def add(self, name: str, data: bytes, record: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=self.time)
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        if record:
            self.records.append(f"{name},{_record_hash(data)},{len(data)}")

    def close(self, dist_info: str) -> None:
        record = f"{dist_info}/RECORD"
        self.records.append(f"{record},,")  # RECORD lists itself without a hash
        self.add(record, ("\n".join(self.records) + "\n").encode("utf-8"), record=False)
        self.zip.close()


def _wheel_file(project: Project) -> bytes:
    return (
        "Wheel-Version: 1.0\n"
        f"Generator: ecommerce_build {project.version}\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ).encode("ascii")


def _dist_info_files(project: Project) -> Dict[str, bytes]:
    return {
        "METADATA": project.metadata(),
        "WHEEL": _wheel_file(project),
        "top_level.txt": "".join(p + "\n" for p in project.packages).encode("utf-8"),
        "LICENSE": (project.root / "LICENSE").read_bytes(),
    }


def _build(wheel_directory: str, editable: bool) -> str:
    project = Project()
    name = f"{project.dist}-{project.version}-py3-none-any.whl"
    wheel = _Wheel(Path(wheel_directory) / name)
    if editable:
        # PEP 660 the simple way: the source folder goes on sys.path.
        wheel.add(f"__editable__.{project.dist}.pth", (str(project.root) + "\n").encode("utf-8"))
    else:
        for rel in project.package_files():
            wheel.add(rel, (project.root / rel).read_bytes())
    for file, data in _dist_info_files(project).items():
        wheel.add(f"{project.dist_info}/{file}", data)
    wheel.close(project.dist_info)
    return name


def _write_metadata(metadata_directory: str) -> str:
    project = Project()
    folder = Path(metadata_directory) / project.dist_info
    folder.mkdir(parents=True, exist_ok=True)
    for file, data in _dist_info_files(project).items():
        (folder / file).write_bytes(data)
    return project.dist_info


# ---- the hooks ---------------------------------------------------------------------------


def get_requires_for_build_wheel(config_settings: Config = None) -> List[str]:
    return []


def get_requires_for_build_sdist(config_settings: Config = None) -> List[str]:
    return []


def get_requires_for_build_editable(config_settings: Config = None) -> List[str]:
    return []


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: Config = None
) -> str:
    return _write_metadata(metadata_directory)


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: Config = None
) -> str:
    return _write_metadata(metadata_directory)


def build_wheel(
    wheel_directory: str, config_settings: Config = None, metadata_directory: Optional[str] = None
) -> str:
    return _build(wheel_directory, editable=False)


def build_editable(
    wheel_directory: str, config_settings: Config = None, metadata_directory: Optional[str] = None
) -> str:
    return _build(wheel_directory, editable=True)


def build_sdist(sdist_directory: str, config_settings: Config = None) -> str:
    project = Project()
    base = f"{project.dist}-{project.version}"
    name = f"{base}.tar.gz"

    def add(tar: tarfile.TarFile, rel: str, data: bytes) -> None:
        info = tarfile.TarInfo(f"{base}/{rel}")
        info.size = len(data)
        info.mtime = _epoch()
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))

    # gzip's own header carries a time too: compressed with mtime= at the end
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel in project.sdist_files():
            add(tar, rel, (project.root / rel).read_bytes())
        add(tar, "PKG-INFO", project.metadata())
    data = gzip.compress(tar_bytes.getvalue(), mtime=_epoch())
    (Path(sdist_directory) / name).write_bytes(data)
    return name
