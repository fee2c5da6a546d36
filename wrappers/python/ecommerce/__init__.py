"""libecommerce for Python: price carts, move orders and hold stock exactly as
every other channel does, by calling the same C library through ctypes.

>>> from ecommerce import Ruleset
>>> with Ruleset("examples/rules.json") as rules:          # doctest: +SKIP
...     result = rules.price({"currency": "EUR", "at": "2026-11-28T10:00:00Z",
...                           "lines": [{"sku": "SHOE-1", "quantity": 2}]})
...     result["total"]
'128.31'

Importing the package loads the shared library (see ``ecommerce._lib`` for
where it is looked for; ``ECOMMERCE_LIBRARY`` names it explicitly) and raises
``ImportError`` (:class:`LibraryNotFoundError`) when it cannot be found.
Documents are the JSON documents of docs/reference/, given as dicts or
JSON text and returned as dicts (or text by the ``*_json`` methods); money is
always a decimal string.  Failures raise :class:`EcommerceError` with
``code``, ``field`` and ``message``.
"""

from __future__ import annotations

from ._lib import ENV_VAR, LibraryNotFoundError, load
from .errors import (
    ConflictError,
    EcommerceError,
    InvalidInputError,
    LibraryError,
    NotFoundError,
    PricingError,
    StockError,
)
from .inventory import Inventory
from .orders import (
    OrderMachine,
    apply,
    create_order,
    create_order_json,
    default_machine,
    new_order_id,
)
from .pricing import Ruleset, price

_api = load()

#: Version of this package (follows the library's).
__version__ = "0.2.0"


def library_version() -> str:
    """The loaded library's version string ("0.2.0")."""
    return _api.version


def library_path() -> str:
    """Path (or name) the library was loaded from."""
    return _api.path


__all__ = [
    "ENV_VAR",
    "ConflictError",
    "EcommerceError",
    "InvalidInputError",
    "Inventory",
    "LibraryError",
    "LibraryNotFoundError",
    "NotFoundError",
    "OrderMachine",
    "PricingError",
    "Ruleset",
    "StockError",
    "apply",
    "create_order",
    "create_order_json",
    "default_machine",
    "library_path",
    "library_version",
    "new_order_id",
    "price",
]
