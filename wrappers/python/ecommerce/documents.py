"""The keys of the documents that pricing reads and writes, as ``TypedDict``.

``Ruleset.price()`` takes a cart and returns a result as plain dicts; these
types name their keys for a type checker (``cart: Cart = {...}``,
``result = cast(PriceResult, rules.price(cart))``).  Money is always a
decimal string in the currency's minor-unit digits (``"128.31"``); percents
are decimal strings (``"9.975"``).  docs/pricing.md explains every key.
"""

from __future__ import annotations

from typing import Dict, List, Optional, TypedDict


class CartLine(TypedDict):
    sku: str
    quantity: int


class _CartRequired(TypedDict):
    currency: str
    at: str
    lines: List[CartLine]


class Cart(_CartRequired, total=False):
    """A cart to price.  Besides the lines: where and as whom it is taxed
    (``country``, ``region`` such as ``"US-CA"``, ``postal_code``,
    ``tax_class`` such as ``"b2b_reverse_charge"``, ``tax_exempt``), who
    buys (``customer_group``, ``customer`` id, ``channel``), ``coupons``,
    ``shipping_method``, and the counts a service keeps for promotion
    limits: ``promotion_uses`` (all customers), ``customer_promotion_uses``
    (this customer), ``coupon_uses`` (per code) and ``promotion_spent``
    (money a budgeted promotion has given so far)."""

    id: str
    country: str
    region: str
    postal_code: str
    customer_group: str
    customer: str
    channel: str
    tax_class: str
    tax_exempt: bool
    coupons: List[str]
    shipping_method: str
    promotion_uses: Dict[str, int]
    customer_promotion_uses: Dict[str, int]
    coupon_uses: Dict[str, int]
    promotion_spent: Dict[str, str]


class TaxAmount(TypedDict):
    """One named rate and what it charges ("GST", "5", "0.75")."""

    name: str
    percent: str
    amount: str


class LineDiscount(TypedDict):
    promotion: str
    amount: str


class PricedLine(TypedDict):
    """A priced line.  ``taxes`` lists its tax entry's rates in order (empty
    without tax entries) and adds up to ``tax``; ``tax_percent`` is the sum
    of their percents."""

    sku: str
    quantity: int
    list_price: str
    unit_price: str
    price_list: Optional[str]
    product_promotion: Optional[str]
    subtotal: str
    discounts: List[LineDiscount]
    discount: str
    net: str
    tax_percent: str
    tax: str
    taxes: List[TaxAmount]
    total: str


class Shipping(TypedDict):
    method: str
    price: str
    discount: str
    tax: str
    total: str


class _PromotionRequired(TypedDict):
    id: str
    applied: bool


class PromotionOutcome(_PromotionRequired, total=False):
    """``amount`` when applied, else ``reason`` (``"coupon_missing"``,
    ``"no_discount"``, ``"not_best_in_group"``, ``"budget_exhausted"``,
    ``"coupon_used_up"``, ``"customer_usage_limit_reached"``, ...)."""

    amount: str
    reason: str


class CouponOutcome(TypedDict):
    code: str
    status: str  # "applied", "not_applicable" or "unknown"


class _PriceResultRequired(TypedDict):
    currency: str
    lines: List[PricedLine]
    subtotal: str
    discount: str
    shipping: Optional[Shipping]
    tax: str
    taxes: List[TaxAmount]
    total: str
    promotions: List[PromotionOutcome]
    coupons: List[CouponOutcome]


class PriceResult(_PriceResultRequired, total=False):
    """A priced cart.  ``taxes`` sums every line's and shipping's rates by
    name and percent, in the order first seen; it adds up to ``tax``.
    ``id`` echoes the cart's."""

    id: str


__all__ = [
    "Cart",
    "CartLine",
    "CouponOutcome",
    "LineDiscount",
    "PriceResult",
    "PricedLine",
    "PromotionOutcome",
    "Shipping",
    "TaxAmount",
]
