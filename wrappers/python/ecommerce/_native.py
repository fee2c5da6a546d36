"""What every wrapper class shares: documents in, documents out, errors,
per-thread scratch space and handles that are freed exactly once.

Nothing here keeps global mutable state beyond the loaded library and one
``threading.local``: each thread gets its own error buffer and output
pointers (and its own pricer, see pricing.py), so calls from many threads
never share scratch memory and need no global lock.  ctypes releases the GIL
for the duration of every foreign call, so threads really price in parallel.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Union, cast

from ._lib import Api, FromJson, load
from .errors import EcommerceError, make_error

#: What a document argument may be: a mapping (serialised with ``json``),
#: or JSON text as ``str`` (UTF-8 encoded) or bytes.
JsonDocument = Union[Mapping[str, Any], Sequence[Any], str, bytes, bytearray, memoryview]
#: What a ruleset, machine or state source may be: a document as above, or
#: the path of a file holding one (``os.PathLike``, or a ``str`` that does
#: not start with ``{``).
Source = Union[JsonDocument, "os.PathLike[str]"]


def encode(doc: object, what: str) -> bytes:
    """A document as UTF-8 JSON bytes, serialising mappings and lists."""
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, bytearray):
        return bytes(doc)
    if isinstance(doc, memoryview):
        return doc.tobytes()
    if isinstance(doc, str):
        return doc.encode("utf-8")
    if isinstance(doc, (Mapping, list, tuple)):
        # allow_nan=False: NaN is not JSON; refuse it here with a clear error.
        return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode("utf-8")
    raise TypeError(f"{what} must be a dict, JSON text (str or bytes); got {type(doc).__name__}")


def read_source(source: object, what: str) -> bytes:
    """A document given inline or as the path of a file."""
    if isinstance(source, os.PathLike):
        with open(cast("os.PathLike[str]", source), "rb") as f:
            return f.read()
    if isinstance(source, str) and not source.lstrip().startswith(("{", "[")):
        with open(source, "rb") as f:
            return f.read()
    return encode(source, what)


def decode(raw: bytes) -> Dict[str, Any]:
    """Parse a document the library wrote (always a JSON object)."""
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise TypeError(f"the library wrote a {type(doc).__name__}, not a JSON object")
    return cast(Dict[str, Any], doc)


class Scratch(threading.local):
    """Per-thread buffers for one foreign call at a time.

    Attributes are created on first use in each thread: an ``ec_error`` of
    the library's size, an output pointer and length with ready ``byref``s.
    """

    def __init__(self) -> None:
        self.api: Api = load()
        self.err = ctypes.create_string_buffer(self.api.error_size)
        self.out = ctypes.POINTER(ctypes.c_char)()
        self.out_len = ctypes.c_size_t(0)
        self.out_ref = ctypes.byref(self.out)
        self.len_ref = ctypes.byref(self.out_len)
        self.handle = ctypes.c_void_p(None)
        self.handle_ref = ctypes.byref(self.handle)

    def output(self) -> bytes:
        """The bytes the last call put in out/out_len."""
        # Slicing a POINTER(c_char) copies into bytes, faster than string_at
        # (typeshed types the slice as a list: it is bytes for c_char).
        return cast(bytes, self.out[: self.out_len.value])

    def error(self, status: int) -> EcommerceError:
        """The exception for the error the last call wrote into err."""
        api = self.api
        code = api.ec_error_code(self.err)
        if code == 0:  # a status without detail: still report it
            code = status
        field = (api.ec_error_field(self.err) or b"").decode("utf-8", "replace")
        message = (api.ec_error_message(self.err) or b"").decode("utf-8", "replace")
        return make_error(api.status_name(code), field or None, message, None, code)

    def take_malloced(self) -> bytes:
        """Copy a malloc'd output buffer and release it with ec_free()."""
        try:
            return self.output()
        finally:
            self.api.ec_free(self.out)
            self.out = ctypes.POINTER(ctypes.c_char)()
            self.out_ref = ctypes.byref(self.out)


scratch = Scratch()


class Handle:
    """One native object: freed once, and never while a call uses it.

    ``acquire()``/``release()`` bracket each foreign call; ``close()`` makes
    later calls fail and frees the object when the last call in flight
    returns.  So a handle shared by threads can be closed at any moment
    without a use-after-free in the library.
    """

    __slots__ = ("_ptr", "_free", "_lock", "_users", "_closed", "what")

    def __init__(
        self, ptr: Optional[int], free: Optional[Callable[[Optional[int]], None]], what: str
    ) -> None:
        self._ptr = ptr
        self._free = free  # None for static objects (the default order machine)
        self._lock = threading.Lock()
        self._users = 0
        self._closed = False
        self.what = what

    def acquire(self) -> Optional[int]:
        with self._lock:
            if self._closed:
                raise ValueError(f"the {self.what} is closed")
            self._users += 1
            return self._ptr

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._closed and self._users == 0:
                self._destroy()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                if self._users == 0:
                    self._destroy()

    @property
    def closed(self) -> bool:
        return self._closed

    def _destroy(self) -> None:
        ptr, self._ptr = self._ptr, None
        if ptr and self._free is not None:
            self._free(ptr)

    def __del__(self) -> None:
        # At interpreter exit ctypes may already be torn down: then the
        # process is ending and its memory goes with it.
        try:
            self.close()
        except Exception:
            pass


def compile_handle(
    from_json: FromJson, source: object, what: str, free: Callable[[Optional[int]], None]
) -> Handle:
    """Call one of the ``*_from_json(json, len, alloc, &out, err)`` constructors."""
    raw = read_source(source, what)
    s = scratch
    status = from_json(raw, len(raw), None, s.handle_ref, s.err)
    if status != 0:
        raise s.error(status)
    ptr, s.handle.value = s.handle.value, None
    return Handle(ptr, free, what)
