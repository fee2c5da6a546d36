"""Inventory: stock per SKU and location, and reservations (formats.md 5).

An :class:`Inventory` owns an ``ec_inventory``.  The native object is not
thread-safe (queries bring expiry up to date), so each instance holds a lock
and its methods may be called from any thread; for throughput, use one
inventory per thread or shard by SKU.

Operations go through ``ec_inventory_apply_json_view``, whose result
document lives in a buffer the inventory owns: it is copied into Python
before the lock is released, and nothing is freed per call.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Iterable, List, Optional

from . import _native
from ._native import Handle, JsonDocument, Source, compile_handle, encode, scratch
from .errors import from_document


class Inventory:
    """Stock and reservations, changed one operation at a time.

    ``Inventory()`` starts empty; ``Inventory(state)`` loads a state document
    (dict, JSON text or file path).  :meth:`apply` runs one operation
    (``{"op": "reserve", ...}``) and returns its result document; a refused
    operation changes nothing and raises :class:`~ecommerce.EcommerceError`
    (``StockError`` for ``insufficient_stock``, whose ``details`` carry
    ``sku``, ``requested`` and ``available``) unless ``raise_on_error=False``.
    """

    __slots__ = ("_handle", "_lock", "__weakref__")

    def __init__(self, state: Optional[Source] = None) -> None:
        api = scratch.api
        api.require("inventory")
        self._lock = threading.Lock()
        if state is None:
            ptr = api.ec_inventory_new()
            if not ptr:
                raise MemoryError("ec_inventory_new failed")
            self._handle = Handle(ptr, api.ec_inventory_free, "inventory")
        else:
            self._handle = compile_handle(
                api.ec_inventory_from_json, state, "inventory state", api.ec_inventory_free
            )

    def apply_json(self, op: JsonDocument) -> str:
        """Apply one operation and return its result document as JSON text.

        Never raises for a refused operation: the text is ``{"ok": false,
        "error": {...}}`` then, exactly as ``ecom inventory apply`` prints it.
        """
        return self._apply(op).decode("utf-8")

    def apply(self, op: JsonDocument, *, raise_on_error: bool = True) -> Dict[str, Any]:
        """Apply one operation; return its result document as a dict.

        With ``raise_on_error`` (the default) a result with ``"ok": false``
        raises the matching :class:`~ecommerce.EcommerceError` instead.
        """
        result = _native.decode(self._apply(op))
        if raise_on_error and not result.get("ok"):
            raise from_document(result)
        return result

    def apply_all(self, ops: Iterable[JsonDocument]) -> List[Dict[str, Any]]:
        """Apply operations in order; one result document each, none raising."""
        return [self.apply(op, raise_on_error=False) for op in ops]

    def _apply(self, op: JsonDocument) -> bytes:
        raw = encode(op, "operation")
        s = scratch
        with self._lock:
            inv = self._handle.acquire()
            try:
                status = s.api.ec_inventory_apply_json_view(
                    inv, raw, len(raw), s.out_ref, s.len_ref, s.err
                )
                if not s.out:
                    raise s.error(status)
                return s.output()
            finally:
                self._handle.release()

    def state_json(self) -> str:
        """The state document (stock by SKU and location, reservations by id)."""
        s = scratch
        with self._lock:
            inv = self._handle.acquire()
            try:
                status = s.api.ec_inventory_to_json(inv, s.out_ref, s.len_ref)
            finally:
                self._handle.release()
        if status != 0:
            raise s.error(status)
        return s.take_malloced().decode("utf-8")

    def state(self) -> Dict[str, Any]:
        """The state document as a dict."""
        return _native.decode(self.state_json().encode("utf-8"))

    def available(self, sku: str, at: str) -> Dict[str, Any]:
        """Shorthand for the ``available`` operation: ``{"available", "locations"}``."""
        return self.apply({"op": "available", "sku": sku, "at": at})

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Free the native inventory now (idempotent); later calls raise ValueError."""
        self._handle.close()

    def __enter__(self) -> "Inventory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
