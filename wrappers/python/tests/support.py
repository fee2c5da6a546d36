"""Shared helpers of the package's tests: where things are, the conformance
cases, strict JSON comparison and running ``ecom``."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List, Optional

from ecommerce import _lib

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REPO = PACKAGE_DIR.parents[1]
CONFORMANCE = REPO / "tests" / "conformance"
EXAMPLES = REPO / "examples"


def load_cases(kind: str) -> List[Dict[str, Any]]:
    """Every case of tests/conformance/<kind>/, sorted by file name."""
    folder = CONFORMANCE / kind
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    cases = []
    for f in files:
        with open(f, encoding="utf-8") as fh:
            case = json.load(fh)
        case.setdefault("name", f.stem)
        cases.append(case)
    return cases


def json_diff(want: Any, got: Any, path: str = "") -> List[str]:
    """Differences between two JSON values, one 'path: want X got Y' each.

    Strict about types: Python's ``1 == True`` and ``1 == 1.0`` do not hold
    between JSON values of different kinds.
    """
    here = path or "(document)"
    if isinstance(want, dict) and isinstance(got, dict):
        out: List[str] = []
        for k in want:
            sub = f"{path}.{k}" if path else k
            if k not in got:
                out.append(f"{sub}: want {json.dumps(want[k])} got (absent)")
            else:
                out.extend(json_diff(want[k], got[k], sub))
        out.extend(f"{path + '.' if path else ''}{k}: unexpected {json.dumps(got[k])}"
                   for k in got if k not in want)
        return out
    if isinstance(want, list) and isinstance(got, list):
        out = []
        if len(want) != len(got):
            out.append(f"{here}: want {len(want)} elements got {len(got)}")
        for i, (w, g) in enumerate(zip(want, got)):
            out.extend(json_diff(w, g, f"{path}[{i}]"))
        return out
    if type(want) is not type(got) or want != got:
        return [f"{here}: want {json.dumps(want)} got {json.dumps(got)}"]
    return []


def ecom_path() -> Path:
    """The ecom under test: $ECOM, else the build tree's."""
    return Path(os.environ.get("ECOM") or REPO / "build" / "bin" / "ecom")


def require_ecom(test: unittest.TestCase) -> None:
    """Fail once, clearly, when there is no ecom to compare with."""
    test.assertTrue(ecom_path().is_file(), f"no ecom at {ecom_path()}: build it (make) or set ECOM")


def ecom_run(args: List[str], stdin: Optional[bytes] = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(ecom_path()), *args], input=stdin, capture_output=True, timeout=60)


def write_json(folder: str, name: str, doc: Any) -> str:
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    return path


def temp_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="ecommerce-py-")


def header_exists(name: str) -> bool:
    return (REPO / "include" / "ecommerce" / name).is_file()


def require_feature(test: unittest.TestCase, group: str, header: str) -> None:
    """Skip while a module is not in the tree yet; fail once its header is there
    but the library under test lacks it (a stale or broken build)."""
    api = _lib.load()
    if api.has(group):
        return
    if header_exists(header):
        test.fail(f"include/ecommerce/{header} exists but {api.path} has no {group} functions")
    test.skipTest(f"no {group} module in this tree yet")


def rss_bytes() -> int:
    """The process's current resident set size (Linux /proc)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


SAMPLE_CART = {
    "currency": "EUR",
    "country": "DE",
    "at": "2026-11-28T10:00:00Z",
    "lines": [{"sku": "SHOE-1", "quantity": 2}, {"sku": "SOCK-3", "quantity": 3}],
    "shipping_method": "standard",
}
