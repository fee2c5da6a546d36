"""Exceptions raised for the library's error documents.

Every failure the library reports becomes an :class:`EcommerceError` whose
``code`` is the error document's code (``"invalid_field"``), ``field`` the path of
the offending field (``"lines[2].quantity"``, or ``None`` when no single field
is at fault, as in the JSON document where ``field`` is then omitted) and
``message`` the library's message.  The class tells the family of the code so
that callers can catch a whole family:

================================  ==================================================
class                             codes
================================  ==================================================
:class:`InvalidInputError`        invalid_json, invalid_field, limit_exceeded,
                                  payload_too_large, unsupported_media_type,
                                  method_not_allowed
:class:`PricingError`             unknown_currency, no_price, no_tax_rate,
                                  unknown_shipping_method, shipping_unavailable,
                                  overflow
:class:`ConflictError`            invalid_transition, version_conflict,
                                  idempotency_conflict
:class:`StockError`               insufficient_stock, reservation_expired
:class:`NotFoundError`            not_found
:class:`LibraryError`             anything else (no_memory, misuse, internal, ...)
================================  ==================================================
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type


class EcommerceError(Exception):
    """A failure reported by libecommerce.

    Attributes:
        code: the error document's code, e.g. ``"no_price"``.
        field: path of the offending field, or ``None``.
        message: the library's message, meant for a person.
        details: further members of the error document (inventory failures
            carry ``sku``, ``location``, ``requested``, ``available``).
        status: the numeric ``ec_status`` value.
    """

    def __init__(
        self,
        code: str,
        field: Optional[str],
        message: str,
        details: Optional[Mapping[str, Any]] = None,
        status: int = -1,
    ) -> None:
        super().__init__(code, field, message)
        self.code = code
        self.field = field
        self.message = message
        self.details: Dict[str, Any] = dict(details or {})
        self.status = status

    def __str__(self) -> str:
        where = f" at {self.field}" if self.field else ""
        return f"{self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, field={self.field!r}, "
            f"message={self.message!r})"
        )

    def to_dict(self) -> Dict[str, Any]:
        """The error document ``{"error": {"code", "message", "field"?, ...}}``."""
        body: Dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.details)
        return {"error": body}


class InvalidInputError(EcommerceError):
    """The document is malformed, has an invalid field or is too large."""


class PricingError(EcommerceError):
    """The cart cannot be priced with these rules (no price, no tax rate...)."""


class ConflictError(EcommerceError):
    """The operation conflicts with the current state (transition, version, id)."""


class StockError(EcommerceError):
    """Not enough stock, or the reservation expired."""


class NotFoundError(EcommerceError):
    """The reservation (or other object) named does not exist."""


class LibraryError(EcommerceError):
    """The library could not do its work (out of memory, misuse, internal)."""


_FAMILIES: Dict[str, Type[EcommerceError]] = {
    "invalid_json": InvalidInputError,
    "invalid_field": InvalidInputError,
    "limit_exceeded": InvalidInputError,
    "payload_too_large": InvalidInputError,
    "unsupported_media_type": InvalidInputError,
    "method_not_allowed": InvalidInputError,
    "unknown_currency": PricingError,
    "no_price": PricingError,
    "no_tax_rate": PricingError,
    "unknown_shipping_method": PricingError,
    "shipping_unavailable": PricingError,
    "overflow": PricingError,
    "invalid_transition": ConflictError,
    "version_conflict": ConflictError,
    "idempotency_conflict": ConflictError,
    "insufficient_stock": StockError,
    "reservation_expired": StockError,
    "not_found": NotFoundError,
}


def error_class(code: str) -> Type[EcommerceError]:
    """The exception class for a code string."""
    return _FAMILIES.get(code, LibraryError)


def make_error(
    code: str,
    field: Optional[str],
    message: str,
    details: Optional[Mapping[str, Any]] = None,
    status: int = -1,
) -> EcommerceError:
    """Build the exception of the right family for an error."""
    return error_class(code)(code, field or None, message, details, status)


def from_document(doc: Mapping[str, Any], status: int = -1) -> EcommerceError:
    """Build the exception for an error document ``{"error": {...}}``."""
    body = dict(doc.get("error") or {})
    code = str(body.pop("code", "internal"))
    message = str(body.pop("message", ""))
    field = body.pop("field", None)
    return make_error(code, field, message, body, status)
