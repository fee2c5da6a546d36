"""Rulesets and pricing: the ``ec_ruleset`` and ``ec_pricer`` of json.h.

A :class:`Ruleset` is compiled once and is then immutable: any number of
threads price with it at once.  Each thread prices through its own
``ec_pricer`` (kept in a ``threading.local``, created on the thread's first
call and freed when the thread ends), which reuses its cart, result and
output buffer between calls, so a loop of calls stops allocating.  The
pricer's output buffer is copied into a Python ``bytes`` before the next
call can overwrite it, so nothing needs ``ec_free()`` per call.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional, TypeVar

from . import _native
from ._native import JsonDocument, Source, compile_handle, encode, scratch


_T = TypeVar("_T")


class _Pricer:
    """Owns one ``ec_pricer``; freed when the owning thread's locals go."""

    __slots__ = ("ptr", "_free")

    def __init__(self) -> None:
        api = scratch.api
        ptr = api.ec_pricer_new()
        if not ptr:
            raise MemoryError("ec_pricer_new failed")
        self.ptr: int = ptr
        self._free = api.ec_pricer_free

    def __del__(self) -> None:
        try:
            self._free(self.ptr)
        except Exception:
            pass  # interpreter shutdown: the process takes the memory with it


class _ThreadPricer(threading.local):
    def __init__(self) -> None:
        self.pricer: Optional[_Pricer] = None


_per_thread = _ThreadPricer()


def _thread_pricer() -> int:
    p = _per_thread.pricer
    if p is None:
        p = _per_thread.pricer = _Pricer()
    return p.ptr


class Ruleset:
    """A compiled, immutable ruleset (docs/pricing.md).

    ``Ruleset(source)`` accepts a dict, JSON text (``str`` or ``bytes``), or the
    path of a JSON file (``os.PathLike``, or a ``str`` that does not start with
    ``{``); :meth:`from_dict`, :meth:`from_json` and :meth:`from_file` say which
    explicitly.  An invalid ruleset raises :class:`~ecommerce.EcommerceError`
    naming the first problem (``field="promotions[4].action.percent"``).

    Thread-safe: share one instance between threads.  The native ruleset is
    freed by :meth:`close`, by leaving a ``with`` block, or when the object is
    garbage collected; a call already running finishes first.
    """

    __slots__ = ("_handle", "__weakref__")

    def __init__(self, source: Source) -> None:
        api = scratch.api
        self._handle = compile_handle(
            api.ec_ruleset_from_json, source, "ruleset", api.ec_ruleset_free
        )

    @classmethod
    def from_dict(cls, rules: Dict[str, Any]) -> "Ruleset":
        """Compile a ruleset given as a dict."""
        return cls(encode(rules, "ruleset"))

    @classmethod
    def from_json(cls, text: str | bytes) -> "Ruleset":
        """Compile a ruleset given as JSON text."""
        return cls(encode(text, "ruleset"))

    @classmethod
    def from_file(cls, path: str | Any) -> "Ruleset":
        """Compile the ruleset in a JSON file."""
        with open(path, "rb") as f:
            return cls(f.read())

    def price_json(self, cart: JsonDocument) -> str:
        """Price a cart and return the result document as JSON text.

        The text is byte for byte what ``ecom cart price`` prints (without its
        final newline).  Raises EcommerceError when the cart is refused.
        """
        return self._price(cart).decode("utf-8")

    def price(self, cart: JsonDocument) -> Dict[str, Any]:
        """Price a cart and return the result as a dict.

        ``cart`` is a dict or JSON text.  Money in the result is strings
        (``"128.31"``), as in the document.  Each line and the result carry
        ``taxes`` (every named rate and its amount).  The keys of the cart
        (``region``, ``postal_code``, ``tax_class``, ``tax_exempt``,
        ``customer``, the counts ``coupon_uses``, ``customer_promotion_uses``
        and ``promotion_spent``, ...) and of the result are typed in
        :mod:`ecommerce.documents` (``Cart``, ``PriceResult``).  Raises
        :class:`~ecommerce.EcommerceError` (a subclass by family) with the
        code, field and message of the refusal.
        """
        return _native.decode(self._price(cart))

    def _price(self, cart: JsonDocument) -> bytes:
        raw = encode(cart, "cart")
        s = scratch
        pricer = _thread_pricer()
        rules = self._handle.acquire()
        try:
            status = s.api.ec_pricer_price_json(
                pricer, rules, raw, len(raw), s.out_ref, s.len_ref, s.err
            )
        finally:
            self._handle.release()
        if status != 0:
            raise s.error(status)
        return s.output()

    @property
    def currency(self) -> str:
        """The ruleset's default currency."""
        return (self._query(scratch.api.ec_ruleset_currency) or b"").decode("ascii")

    @property
    def counts(self) -> Dict[str, int]:
        """Numbers of products, price lists and promotions (as ``ecom rules check``)."""
        return {
            "products": self._query(scratch.api.ec_ruleset_product_count),
            "price_lists": self._query(scratch.api.ec_ruleset_price_list_count),
            "promotions": self._query(scratch.api.ec_ruleset_promotion_count),
        }

    def _query(self, fn: Callable[[Optional[int]], _T]) -> _T:
        rules = self._handle.acquire()
        try:
            return fn(rules)
        finally:
            self._handle.release()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def close(self) -> None:
        """Free the native ruleset now (idempotent); later calls raise ValueError."""
        self._handle.close()

    def __enter__(self) -> "Ruleset":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return "<Ruleset closed>"
        c = self.counts
        return (
            f"<Ruleset {self.currency}: {c['products']} products, "
            f"{c['price_lists']} price lists, {c['promotions']} promotions>"
        )


def price(rules: Ruleset | Source, cart: JsonDocument) -> Dict[str, Any]:
    """Price one cart with a Ruleset or a ruleset source (compiled for this call)."""
    if isinstance(rules, Ruleset):
        return rules.price(cart)
    with Ruleset(rules) as compiled:
        return compiled.price(cart)
