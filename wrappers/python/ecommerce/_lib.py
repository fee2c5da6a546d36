"""Finding libecommerce, loading it with ctypes and declaring its functions.

The library is looked for, in this order (the first that loads wins):

1. the file named by the environment variable ``ECOMMERCE_LIBRARY`` (when it
   is set, nothing else is tried: an explicit choice must not be replaced
   silently by another copy);
2. the build tree: ``build/lib/libecommerce.so.0`` in the package's folder or
   any folder above it, so that tests and examples run from a checkout;
3. a copy installed next to the package (``ecommerce/libecommerce.so.0``);
4. ``<sys.prefix>/lib``: a virtual environment (or Python installation)
   into whose prefix the library was installed (``make install
   PREFIX=$VIRTUAL_ENV``);
5. the system: ``ctypes.util.find_library("ecommerce")``, then the soname
   through the dynamic loader's own search (``LD_LIBRARY_PATH``, the
   ldconfig cache, which ``make install`` refreshes), then ``/usr/local/lib``
   and ``/usr/lib``.

Every declaration below gives ``argtypes`` and ``restype`` so that ctypes
converts and checks arguments instead of guessing (a guessed ``int`` return
would truncate 64-bit pointers).  Handles are ``c_void_p``: the library's
types are opaque and never read from Python.  :class:`Api` also declares
each function's Python signature for type checkers (mypy, pyright): what
ctypes makes of those C types (``c_char_p`` returns ``bytes`` or ``None``,
``c_void_p`` an ``int`` or ``None``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

#: Environment variable naming the shared library to load.
ENV_VAR = "ECOMMERCE_LIBRARY"
#: The ABI major version this package is written against (the soname's).
ABI_MAJOR = 0
SONAME = f"libecommerce.so.{ABI_MAJOR}"

_c_char_p = ctypes.c_char_p
_c_size = ctypes.c_size_t
_c_void_p = ctypes.c_void_p
_c_int32 = ctypes.c_int32
_c_uint32 = ctypes.c_uint32
_c_char_pp = ctypes.POINTER(ctypes.POINTER(ctypes.c_char))
_c_size_p = ctypes.POINTER(ctypes.c_size_t)
_c_void_pp = ctypes.POINTER(ctypes.c_void_p)


#: A pointer argument: a ctypes buffer, ``byref()`` or pointer object.
Pointer = Any
#: An opaque handle as ctypes returns a ``c_void_p``: an address or ``None``.
Handle = Optional[int]
#: A ``*_from_json(json, len, alloc, &out, err)`` constructor.
FromJson = Callable[[bytes, int, None, Pointer, Pointer], int]

_Table = Dict[str, Tuple[Any, List[Any]]]


class LibraryNotFoundError(ImportError):
    """libecommerce could not be found or is not a version this package supports."""


# name: (restype, argtypes).  Grouped so that a library built before a
# module existed still serves the others (see Api.has()).
_CORE: _Table = {
    "ec_version_string": (_c_char_p, []),
    "ec_version_number": (_c_uint32, []),
    "ec_status_name": (_c_char_p, [_c_int32]),
    "ec_error_size": (_c_size, []),
    "ec_error_clear": (None, [_c_void_p]),
    "ec_error_code": (_c_int32, [_c_void_p]),
    "ec_error_field": (_c_char_p, [_c_void_p]),
    "ec_error_message": (_c_char_p, [_c_void_p]),
    "ec_free": (None, [_c_void_p]),
}
_PRICING: _Table = {
    "ec_ruleset_from_json": (_c_int32, [_c_char_p, _c_size, _c_void_p, _c_void_pp, _c_void_p]),
    "ec_ruleset_free": (None, [_c_void_p]),
    "ec_ruleset_product_count": (_c_size, [_c_void_p]),
    "ec_ruleset_price_list_count": (_c_size, [_c_void_p]),
    "ec_ruleset_promotion_count": (_c_size, [_c_void_p]),
    "ec_ruleset_currency": (_c_char_p, [_c_void_p]),
    "ec_pricer_new": (_c_void_p, []),
    "ec_pricer_free": (None, [_c_void_p]),
    "ec_pricer_price_json": (
        _c_int32,
        [_c_void_p, _c_void_p, _c_char_p, _c_size, _c_char_pp, _c_size_p, _c_void_p],
    ),
}
_ORDERS: _Table = {
    "ec_order_machine_default": (_c_void_p, []),
    "ec_order_machine_from_json": (_c_int32, [_c_char_p, _c_size, _c_void_p, _c_void_pp, _c_void_p]),
    "ec_order_machine_to_json": (_c_int32, [_c_void_p, _c_char_pp, _c_size_p]),
    "ec_order_machine_free": (None, [_c_void_p]),
    "ec_json_order_create": (
        _c_int32,
        [_c_void_p, _c_char_p, _c_size, _c_char_p, _c_char_pp, _c_size_p, _c_void_p],
    ),
    "ec_json_order_apply": (
        _c_int32,
        [_c_void_p, _c_char_p, _c_size, _c_char_p, _c_size, _c_char_pp, _c_size_p, _c_void_p],
    ),
}
_INVENTORY: _Table = {
    "ec_inventory_new": (_c_void_p, []),
    "ec_inventory_free": (None, [_c_void_p]),
    "ec_inventory_from_json": (_c_int32, [_c_char_p, _c_size, _c_void_p, _c_void_pp, _c_void_p]),
    "ec_inventory_to_json": (_c_int32, [_c_void_p, _c_char_pp, _c_size_p]),
    "ec_inventory_apply_json_view": (
        _c_int32,
        [_c_void_p, _c_char_p, _c_size, _c_char_pp, _c_size_p, _c_void_p],
    ),
}
_GROUPS = {"core": _CORE, "pricing": _PRICING, "orders": _ORDERS, "inventory": _INVENTORY}


def _text(raw: Optional[bytes]) -> str:
    """A static string of the library (ASCII; NULL reads as "")."""
    return (raw or b"").decode("ascii")


class Api:
    """The loaded library: its path, version and declared functions.

    Functions are attributes named as in C (``api.ec_pricer_new``).  A group
    whose symbols the library lacks (an older build) is left out and
    :meth:`require` says so when it is used.
    """

    # The functions of the tables above, as Python sees them through ctypes;
    # _declare() sets them (tests/test_loading.py checks both lists agree).
    ec_version_string: Callable[[], Optional[bytes]]
    ec_version_number: Callable[[], int]
    ec_status_name: Callable[[int], Optional[bytes]]
    ec_error_size: Callable[[], int]
    ec_error_clear: Callable[[Pointer], None]
    ec_error_code: Callable[[Pointer], int]
    ec_error_field: Callable[[Pointer], Optional[bytes]]
    ec_error_message: Callable[[Pointer], Optional[bytes]]
    ec_free: Callable[[Pointer], None]
    ec_ruleset_from_json: FromJson
    ec_ruleset_free: Callable[[Handle], None]
    ec_ruleset_product_count: Callable[[Handle], int]
    ec_ruleset_price_list_count: Callable[[Handle], int]
    ec_ruleset_promotion_count: Callable[[Handle], int]
    ec_ruleset_currency: Callable[[Handle], Optional[bytes]]
    ec_pricer_new: Callable[[], Handle]
    ec_pricer_free: Callable[[Handle], None]
    ec_pricer_price_json: Callable[[Handle, Handle, bytes, int, Pointer, Pointer, Pointer], int]
    ec_order_machine_default: Callable[[], Handle]
    ec_order_machine_from_json: FromJson
    ec_order_machine_to_json: Callable[[Handle, Pointer, Pointer], int]
    ec_order_machine_free: Callable[[Handle], None]
    ec_json_order_create: Callable[[Handle, bytes, int, bytes, Pointer, Pointer, Pointer], int]
    ec_json_order_apply: Callable[
        [Handle, bytes, int, bytes, int, Pointer, Pointer, Pointer], int
    ]
    ec_inventory_new: Callable[[], Handle]
    ec_inventory_free: Callable[[Handle], None]
    ec_inventory_from_json: FromJson
    ec_inventory_to_json: Callable[[Handle, Pointer, Pointer], int]
    ec_inventory_apply_json_view: Callable[[Handle, bytes, int, Pointer, Pointer, Pointer], int]

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        self._groups: Dict[str, bool] = {}
        for group, table in _GROUPS.items():
            self._groups[group] = self._declare(table, required=(group == "core"))
        self.version: str = _text(self.ec_version_string())
        self.version_number: int = int(self.ec_version_number())
        self.error_size: int = int(self.ec_error_size())
        self.status_names: List[str] = self._status_names()

    def _declare(self, table: _Table, required: bool) -> bool:
        found: Dict[str, Any] = {}
        for name, (restype, argtypes) in table.items():
            try:
                fn = getattr(self.cdll, name)
            except AttributeError:
                if required:
                    raise LibraryNotFoundError(f"{self.path} lacks {name}: not libecommerce?")
                return False
            fn.restype = restype
            fn.argtypes = argtypes
            found[name] = fn
        self.__dict__.update(found)
        return True

    def _status_names(self) -> List[str]:
        # The table is append-only; "unknown" marks the end.
        names: List[str] = []
        for code in range(256):
            name = _text(self.ec_status_name(code))
            if name == "unknown":
                break
            names.append(name)
        return names

    def has(self, group: str) -> bool:
        """Whether the library provides a group of functions (``"orders"``...)."""
        return self._groups.get(group, False)

    def require(self, group: str) -> None:
        """Raise NotImplementedError when the library lacks a group."""
        if not self.has(group):
            raise NotImplementedError(
                f"the libecommerce at {self.path} (version {self.version}) has no {group} functions"
            )

    def status_name(self, code: int) -> str:
        """The spec's code string for a status value ("invalid_field")."""
        if 0 <= code < len(self.status_names):
            return self.status_names[code]
        return "unknown"


def _build_tree_candidate(start: Path) -> Optional[str]:
    for folder in (start, *start.parents):
        path = folder / "build" / "lib" / SONAME
        if path.is_file():
            return str(path)
    return None


def candidates() -> List[str]:
    """The paths or names tried, in order (see the module's docstring)."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return [explicit]
    here = Path(__file__).resolve().parent
    found: List[str] = []
    in_tree = _build_tree_candidate(here)
    if in_tree:
        found.append(in_tree)
    bundled = here / SONAME
    if bundled.is_file():
        found.append(str(bundled))
    in_prefix = os.path.join(sys.prefix, "lib", SONAME)
    if os.path.isfile(in_prefix):
        found.append(in_prefix)
    system = ctypes.util.find_library("ecommerce")
    if system:
        found.append(system)
    found.append(SONAME)
    for prefix in ("/usr/local", "/usr"):
        found.append(os.path.join(prefix, "lib", SONAME))
    return list(dict.fromkeys(found))


def _open(path: str) -> Api:
    api = Api(ctypes.CDLL(path), path)
    if api.version_number // 10000 != ABI_MAJOR:
        raise LibraryNotFoundError(
            f"{path} is libecommerce {api.version}; this package needs {ABI_MAJOR}.x"
        )
    return api


_api: Optional[Api] = None
_api_lock = threading.Lock()


def load() -> Api:
    """Load the library once per process and return it.

    Raises LibraryNotFoundError (an ImportError) listing every place tried.
    """
    global _api
    if _api is not None:
        return _api
    with _api_lock:
        if _api is None:
            problems: List[str] = []
            for path in candidates():
                try:
                    _api = _open(path)
                    break
                except (OSError, LibraryNotFoundError) as exc:
                    problems.append(f"  {path}: {exc}")
            else:
                raise LibraryNotFoundError(
                    "cannot load libecommerce; set ECOMMERCE_LIBRARY to the path of "
                    f"{SONAME}, build it (make) or install it (make install). Tried:\n"
                    + "\n".join(problems)
                )
    return _api
