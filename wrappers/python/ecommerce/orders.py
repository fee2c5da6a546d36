"""Orders: checkout from a priced cart, state machines and events.

:func:`create_order` prices a cart with a :class:`~ecommerce.Ruleset` and
returns the new order document (``ec_json_order_create``): every line keeps
its unit price, subtotal, discount, net, tax and total, and from then on
every unit that leaves the order (canceled, or returned) takes exactly its
share of that money with it.  The order is plain data that the caller keeps
(in its database) between events.

:class:`OrderMachine` wraps an ``ec_order_machine``: the built-in default
(static in the library, never freed) or a custom one compiled from its
document.  A sealed machine never changes, so threads share it freely.
:func:`apply` moves an order by one event and returns
``{"order": {...}, "effects": [...], "duplicate": bool}``.  Effects tell the
caller what to do outside the order: stock to ship, release or put back
(``{"type": "ship_stock", "lines": [{"sku", "quantity"}]}``), money to
refund or an authorization to release (``{"type": "refund_payment",
"amount": "12.34"}``).

The ``TypedDict`` classes below describe the documents (money is always a
decimal string); ``docs/orders.md`` in the repository gives every rule.
"""

from __future__ import annotations

import secrets
from typing import List, Literal, Optional, TypedDict, Union, cast

from . import _native
from ._native import Handle, JsonDocument, Source, compile_handle, encode, scratch
from .errors import make_error
from .pricing import Ruleset

#: A decimal amount in the currency's minor-unit digits, e.g. ``"19.99"``.
Money = str
#: The derived payment status of an order.
PaymentStatus = Literal["unpaid", "authorized", "partially_paid", "paid", "refund_due", "refunded"]
#: The derived fulfilment status of an order.
Fulfillment = Literal["unfulfilled", "partially_fulfilled", "fulfilled", "canceled"]


class OrderLine(TypedDict):
    """One line of an order: its amounts as priced, and its unit counters."""

    sku: str
    quantity: int
    unit_price: Money
    subtotal: Money
    discount: Money
    net: Money
    tax: Money
    #: What the customer pays for the line (net plus tax, or net when
    #: prices include tax).
    total: Money
    fulfilled: int
    canceled: int
    #: Returned units stay counted in ``fulfilled``.
    returned: int


class Shipping(TypedDict):
    method: str
    total: Money
    tax: Money
    #: True once the shipping left the order (every unit canceled before
    #: anything shipped, or given back by a return with ``"shipping": true``).
    returned: bool


class PromotionUse(TypedDict):
    """An applied cart promotion whose amount was above zero."""

    id: str
    amount: Money


class Payment(TypedDict):
    authorized: Money
    captured: Money
    refunded: Money
    #: max(0, balance - (captured - refunded)).
    amount_due: Money
    #: max(0, (captured - refunded) - balance).
    refund_due: Money
    status: PaymentStatus


#: An applied event as the order's history keeps it.
HistoryEntry = TypedDict(
    "HistoryEntry", {"event_id": str, "event": str, "from": str, "to": str, "at": str}
)


class Order(TypedDict):
    """The order document, every key present as the library writes it."""

    id: str
    state: str
    version: int
    currency: str
    #: The cart's time (the pricing time); None when unknown.
    created_at: Optional[str]
    prices_include_tax: bool
    lines: List[OrderLine]
    #: None when the cart had no shipping method.
    shipping: Optional[Shipping]
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    promotions: List[PromotionUse]
    #: The coupons that applied, as the cart spelt them.
    coupons: List[str]
    #: total - value of the units (and shipping) that left + fees kept.
    balance: Money
    payment: Payment
    fulfillment: Fulfillment
    history: List[HistoryEntry]


class EventLine(TypedDict):
    sku: str
    quantity: int


class _EventRequired(TypedDict):
    id: str
    type: str
    at: str


class OrderEvent(_EventRequired, total=False):
    """An event; which optional fields a type takes is in docs/orders.md.

    ``authorize`` needs ``amount``; ``capture`` and ``refund`` take one
    (default: what is due); ``fulfill`` and ``return`` need ``lines``,
    ``cancel`` takes them (default: every unfulfilled unit); ``return``
    takes ``fee`` and ``shipping``.  A field the type does not take is
    refused naming it.
    """

    amount: Money
    lines: List[EventLine]
    fee: Money
    shipping: bool
    expected_version: int


class StockEffect(TypedDict):
    """Units to ship, to release (canceled) or to put back (returned)."""

    type: Literal["ship_stock", "release_stock", "restock"]
    lines: List[EventLine]


class PaymentEffect(TypedDict):
    """Money to refund (then record it with a ``refund`` event) or an
    authorization to release (then record it with a ``void`` event)."""

    type: Literal["refund_payment", "void_payment"]
    amount: Money


#: An effect: stock effects come first, then refund, then void.
Effect = Union[StockEffect, PaymentEffect]


class ApplyResult(TypedDict):
    order: Order
    effects: List[Effect]
    #: True when the event id was already in the history: nothing changed.
    duplicate: bool


# "from" is a keyword: the functional form names it.
_TransitionRequired = TypedDict("_TransitionRequired", {"from": List[str], "event": str, "to": str})


class MachineTransition(_TransitionRequired, total=False):
    """A transition: from any of ``from`` on ``event`` to ``to``, when the
    named guard holds (no guard: always)."""

    guard: str


class _MachineRequired(TypedDict):
    initial: str
    transitions: List[MachineTransition]


class MachineDocument(_MachineRequired, total=False):
    """A machine document; ``final`` lists the states no transition leaves."""

    final: List[str]


# ---- checkout -------------------------------------------------------------------


def new_order_id() -> str:
    """A new order id, as ``ecom order create`` makes one: ``"ord_"`` and 32
    random hex digits."""
    return "ord_" + secrets.token_hex(16)


def _id_bytes(order_id: str) -> bytes:
    if not isinstance(order_id, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"order_id must be a str; got {type(order_id).__name__}")
    if "\0" in order_id:  # C would read the id up to the NUL: refuse it here
        raise make_error(
            "invalid_field", "id", "id must be 1 to 128 bytes of UTF-8 without control characters"
        )
    return order_id.encode("utf-8")


def _create_with(rules: Ruleset, cart: JsonDocument, order_id: Optional[str]) -> bytes:
    s = scratch
    s.api.require("orders")
    raw = encode(cart, "cart")
    oid = _id_bytes(order_id if order_id is not None else new_order_id())
    # package-internal: the compiled ruleset (protected from users, not from the package)
    handle: Handle = getattr(rules, "_handle")
    ptr = handle.acquire()
    try:
        status = s.api.ec_json_order_create(ptr, raw, len(raw), oid, s.out_ref, s.len_ref, s.err)
    finally:
        handle.release()
    if status != 0:
        raise s.error(status)
    return s.take_malloced()


def _create(rules: Union[Ruleset, Source], cart: JsonDocument, order_id: Optional[str]) -> bytes:
    if isinstance(rules, Ruleset):
        return _create_with(rules, cart, order_id)
    with Ruleset(rules) as compiled:
        return _create_with(compiled, cart, order_id)


def create_order_json(
    rules: Union[Ruleset, Source], cart: JsonDocument, order_id: Optional[str] = None
) -> str:
    """As :func:`create_order`, returning the order document as JSON text:
    byte for byte what ``ecom order create`` prints (without its newline)."""
    return _create(rules, cart, order_id).decode("utf-8")


def create_order(
    rules: Union[Ruleset, Source], cart: JsonDocument, order_id: Optional[str] = None
) -> Order:
    """Checkout: price ``cart`` with ``rules`` and return the new order.

    ``rules`` is a :class:`~ecommerce.Ruleset` (or a ruleset source,
    compiled for this call).  The order gets ``order_id`` (an identifier;
    when None, :func:`new_order_id` makes one), the default machine's
    initial state (``pending_payment``), version 1, ``created_at`` = the
    cart's ``at``, the lines with their amounts, the shipping, the applied
    promotions whose amount is above zero and the applied coupons; nothing
    is authorized or fulfilled yet.  A cart that cannot be priced raises the
    pricing error (:class:`~ecommerce.PricingError` ``no_price`` at
    ``lines[0].sku``...); a bad id raises
    :class:`~ecommerce.InvalidInputError` (``field="id"``).
    """
    return cast(Order, _native.decode(_create(rules, cart, order_id)))


# ---- machines and events ---------------------------------------------------------


class OrderMachine:
    """An order state machine: the default, or one built from a document.

    ``OrderMachine(source)`` compiles a machine document (dict, JSON text or
    file path, as for :class:`~ecommerce.Ruleset`); an invalid one raises
    :class:`~ecommerce.EcommerceError` naming the first problem
    (``field="transitions[3].guard"``).  A transition names no effects (they
    follow from the event): a document listing some is refused with
    ``field="transitions[i].effects[0]"``.  :meth:`default` is the built-in
    machine.  Thread-safe; :meth:`close` (or ``with``) frees a custom machine.
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

    def to_dict(self) -> MachineDocument:
        """The machine's document as a dict."""
        return cast(MachineDocument, _native.decode(self.to_json().encode("utf-8")))

    def apply_json(self, order: JsonDocument, event: JsonDocument) -> str:
        """As :meth:`apply`, returning the result document as JSON text
        (byte for byte what ``ecom order apply`` prints, without its newline)."""
        return _apply(self._handle, order, event).decode("utf-8")

    def apply(self, order: JsonDocument, event: JsonDocument) -> ApplyResult:
        """Apply one event to an order with this machine.

        Returns ``{"order", "effects", "duplicate"}``.  The order document is
        validated whole first (its amounts must add up; errors are named
        ``order.<field>``).  Refusals raise, changing nothing:
        :class:`~ecommerce.ConflictError` for ``invalid_transition`` (the
        message names the events allowed now) and ``version_conflict``
        (``field="expected_version"``); :class:`~ecommerce.InvalidInputError`
        for ``invalid_field`` with the field at fault (``"amount"`` for a
        capture beyond what is due, ``"lines[0].quantity"`` for more units than
        a line has left, ``"fee"``, ``"shipping"``); and so on.  The caller's
        order is never modified.
        """
        return cast(ApplyResult, _native.decode(_apply(self._handle, order, event)))

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
) -> ApplyResult:
    """Apply one event to an order (default machine unless one is given).

    See :meth:`OrderMachine.apply`.
    """
    if machine is not None:
        return machine.apply(order, event)
    return cast(ApplyResult, _native.decode(_apply(None, order, event)))


def default_machine() -> MachineDocument:
    """The built-in default machine's document (what ``ecom order machine`` prints)."""
    return OrderMachine.default().to_dict()


__all__ = [
    "ApplyResult",
    "Effect",
    "EventLine",
    "Fulfillment",
    "HistoryEntry",
    "MachineDocument",
    "MachineTransition",
    "Money",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderMachine",
    "Payment",
    "PaymentEffect",
    "PaymentStatus",
    "PromotionUse",
    "Shipping",
    "StockEffect",
    "apply",
    "create_order",
    "create_order_json",
    "default_machine",
    "new_order_id",
]
