"""Order state machines and applying events (formats.md section 4).

:class:`OrderMachine` wraps an ``ec_order_machine``: the built-in default
(static in the library, never freed) or a custom one compiled from its
document.  A sealed machine never changes, so threads share it freely.
:func:`apply` moves an order document by one event document and returns
``{"order": {...}, "effects": [...], "duplicate": bool}``; the order itself is
plain data that the caller keeps (in its database) between events.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from . import _native
from ._native import Handle, JsonDocument, Source, compile_handle, encode, scratch


class OrderMachine:
    """An order state machine: the default, or one built from a document.

    ``OrderMachine(source)`` compiles a machine document (dict, JSON text or
    file path, as for :class:`~ecommerce.Ruleset`); an invalid one raises
    :class:`~ecommerce.EcommerceError` naming the first problem
    (``field="transitions[3].guard"``).  :meth:`default` is the built-in machine.
    Thread-safe; :meth:`close` (or ``with``) frees a custom machine.
    """

    __slots__ = ("_handle", "__weakref__")

    def __init__(self, source: Source) -> None:
        api = scratch.api
        api.require("orders")
        self._handle = compile_handle(
            api.ec_order_machine_from_json, source, "order machine", api.ec_order_machine_free
        )

    @classmethod
    def default(cls) -> "OrderMachine":
        """The built-in default machine (static library data; close() is a no-op)."""
        api = scratch.api
        api.require("orders")
        machine = cls.__new__(cls)
        machine._handle = Handle(api.ec_order_machine_default(), None, "order machine")
        return machine

    def to_json(self) -> str:
        """The machine's document as compact JSON text."""
        s = scratch
        ptr = self._handle.acquire()
        try:
            status = s.api.ec_order_machine_to_json(ptr, s.out_ref, s.len_ref)
        finally:
            self._handle.release()
        if status != 0:
            raise s.error(status)
        return s.take_malloced().decode("utf-8")

    def to_dict(self) -> Dict[str, Any]:
        """The machine's document as a dict."""
        return _native.decode(self.to_json().encode("utf-8"))

    def apply_json(self, order: JsonDocument, event: JsonDocument) -> str:
        """As :meth:`apply`, returning the result document as JSON text."""
        return _apply(self._handle, order, event).decode("utf-8")

    def apply(self, order: JsonDocument, event: JsonDocument) -> Dict[str, Any]:
        """Apply one event to an order with this machine.

        Returns ``{"order", "effects", "duplicate"}``.  Raises
        :class:`~ecommerce.ConflictError` (``invalid_transition``,
        ``version_conflict``), :class:`~ecommerce.InvalidInputError` (a bad
        document, ``lines[i].quantity`` beyond what can be fulfilled...) and so
        on; the caller's order is never modified.
        """
        return _native.decode(_apply(self._handle, order, event))

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Free a custom machine now (idempotent); later calls raise ValueError."""
        self._handle.close()

    def __enter__(self) -> "OrderMachine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _apply(handle: Optional[Handle], order: JsonDocument, event: JsonDocument) -> bytes:
    s = scratch
    s.api.require("orders")
    order_raw = encode(order, "order")
    event_raw = encode(event, "event")
    machine = handle.acquire() if handle is not None else None
    try:
        status = s.api.ec_json_order_apply(
            machine, order_raw, len(order_raw), event_raw, len(event_raw),
            s.out_ref, s.len_ref, s.err,
        )
    finally:
        if handle is not None:
            handle.release()
    if status != 0:
        raise s.error(status)
    return s.take_malloced()


def apply(
    order: JsonDocument, event: JsonDocument, machine: Optional[OrderMachine] = None
) -> Dict[str, Any]:
    """Apply one event to an order (default machine unless one is given).

    See :meth:`OrderMachine.apply`.
    """
    if machine is not None:
        return machine.apply(order, event)
    return _native.decode(_apply(None, order, event))


def default_machine() -> Dict[str, Any]:
    """The built-in default machine's document (what ``ecom order machine`` prints)."""
    return OrderMachine.default().to_dict()
