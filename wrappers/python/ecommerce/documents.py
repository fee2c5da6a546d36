"""The keys of the documents that pricing reads and writes, as ``TypedDict``.

``Ruleset`` takes a ruleset document and ``Ruleset.price()`` a cart, and
returns a result as plain dicts; these types name their keys for a type
checker (``rules: RulesetDocument = {...}``, ``cart: Cart = {...}``,
``result = cast(PriceResult, rules.price(cart))``).  Money is always a
decimal string in the currency's minor-unit digits (``"128.31"``); percents
are decimal strings (``"9.975"``).  They follow docs/schemas/ field for
field (tests/ffi/types_match.py checks it); docs/reference/ explains every
key.
"""

from __future__ import annotations

from typing import Dict, List, Literal, Optional, TypedDict, Union

#: A money field of a ruleset: the ruleset's currency, or an amount per currency.
MoneyField = Union[str, Dict[str, str]]


# ---- rulesets ------------------------------------------------------------------


class _NamedTaxRateRequired(TypedDict):
    name: str
    percent: str


class NamedTaxRate(_NamedTaxRateRequired, total=False):
    """One named rate of a tax entry; ``compound`` rates are computed on the
    net plus the rates listed before them."""

    compound: bool


class _TaxEntryRequired(TypedDict):
    category: str
    country: str


class TaxEntry(_TaxEntryRequired, total=False):
    """Where a tax applies (category, country or ``"*"``, and optionally a
    region, postal prefixes and tax classes) and what it charges: one
    ``percent``, or named ``rates``."""

    region: str
    postal_codes: List[str]
    tax_classes: List[str]
    percent: str
    rates: List[NamedTaxRate]


class _ProductRequired(TypedDict):
    sku: str


class Product(_ProductRequired, total=False):
    prices: MoneyField
    categories: List[str]
    tax_category: str


class PriceTier(TypedDict):
    min_quantity: int
    price: MoneyField


class _PriceListEntryRequired(TypedDict):
    sku: str
    price: MoneyField


class PriceListEntry(_PriceListEntryRequired, total=False):
    tiers: List[PriceTier]


class _PriceListRequired(TypedDict):
    id: str


class PriceList(_PriceListRequired, total=False):
    currency: str
    priority: int
    customer_groups: List[str]
    channels: List[str]
    countries: List[str]
    valid_from: str
    valid_to: str
    prices: List[PriceListEntry]


class PromotionTarget(TypedDict, total=False):
    skus: List[str]
    categories: List[str]
    sku_pattern: str
    exclude_skus: List[str]


class PercentOffAction(TypedDict):
    type: Literal["percent_off"]
    percent: str


class AmountOffEachAction(TypedDict):
    type: Literal["amount_off_each"]
    amount: MoneyField


class AmountOffOrderAction(TypedDict):
    type: Literal["amount_off_order"]
    amount: MoneyField


class FixedPriceAction(TypedDict):
    type: Literal["fixed_price"]
    price: MoneyField


class _BuyXGetYRequired(TypedDict):
    type: Literal["buy_x_get_y"]
    buy: int
    get: int


class BuyXGetYAction(_BuyXGetYRequired, total=False):
    percent: str
    max_applications: int
    reward_target: PromotionTarget


class PercentTier(TypedDict):
    min_subtotal: MoneyField
    percent: str


class TieredPercentAction(TypedDict):
    type: Literal["tiered_percent"]
    tiers: List[PercentTier]


class FreeShippingAction(TypedDict):
    type: Literal["free_shipping"]


PromotionAction = Union[
    PercentOffAction,
    AmountOffEachAction,
    AmountOffOrderAction,
    FixedPriceAction,
    BuyXGetYAction,
    TieredPercentAction,
    FreeShippingAction,
]


class _PromotionDocRequired(TypedDict):
    id: str
    action: PromotionAction


class Promotion(_PromotionDocRequired, total=False):
    """A promotion of a ruleset: its checks, target, action and limits."""

    name: str
    level: Literal["cart", "product"]
    priority: int
    stacking: Literal["stack", "stop", "exclusive"]
    group: str
    exclude_discounted: bool
    valid_from: str
    valid_to: str
    coupon: Union[str, List[str]]
    code_usage_limit: int
    usage_limit: int
    usage_limit_per_customer: int
    budget: MoneyField
    customer_groups: List[str]
    channels: List[str]
    countries: List[str]
    min_subtotal: MoneyField
    min_quantity: int
    target: PromotionTarget
    max_discount: MoneyField


class _ShippingMethodRequired(TypedDict):
    id: str
    prices: MoneyField


class ShippingMethod(_ShippingMethodRequired, total=False):
    free_over: MoneyField
    countries: List[str]
    tax_category: str


class _RulesetRequired(TypedDict):
    currency: str


class RulesetDocument(_RulesetRequired, total=False):
    """A ruleset document: catalogue, price lists, promotions, tax, shipping."""

    rounding: Literal["half_even", "half_up", "half_down", "up", "down", "ceiling", "floor"]
    prices_include_tax: bool
    tax_rounding: Literal["line", "total"]
    shipping_tax: Literal["category", "proportional"]
    tax: List[TaxEntry]
    products: List[Product]
    price_lists: List[PriceList]
    promotions: List[Promotion]
    shipping: List[ShippingMethod]


# ---- errors --------------------------------------------------------------------


class _ErrorBodyRequired(TypedDict):
    code: str
    message: str


class ErrorBody(_ErrorBodyRequired, total=False):
    """``field`` names the field at fault; inventory shortages add ``sku``,
    ``location``, ``requested`` and ``available``."""

    field: str
    sku: str
    location: str
    requested: int
    available: int


class ErrorDocument(TypedDict):
    error: ErrorBody


# ---- carts and results ---------------------------------------------------------


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
    "AmountOffEachAction",
    "AmountOffOrderAction",
    "BuyXGetYAction",
    "Cart",
    "CartLine",
    "CouponOutcome",
    "ErrorBody",
    "ErrorDocument",
    "FixedPriceAction",
    "FreeShippingAction",
    "LineDiscount",
    "MoneyField",
    "NamedTaxRate",
    "PercentOffAction",
    "PercentTier",
    "PriceList",
    "PriceListEntry",
    "PriceResult",
    "PriceTier",
    "PricedLine",
    "Product",
    "Promotion",
    "PromotionAction",
    "PromotionOutcome",
    "PromotionTarget",
    "RulesetDocument",
    "Shipping",
    "ShippingMethod",
    "TaxAmount",
    "TaxEntry",
    "TieredPercentAction",
]
