// errors.js - the exceptions thrown for the library's error documents.
//
// Every failure becomes an EcommerceError whose `code` is the error document's code
// string ("invalid_field"), `field` the path of the offending field
// ("lines[2].quantity", or null when no single field is at fault, as in the
// JSON document where `field` is then omitted) and `message` the library's
// message.  The subclass tells the code's family, so that callers can catch
// a whole family with `instanceof`; the table is the same as in the Python
// package (docs/ffi.md).

/** A failure reported by libecommerce. */
export class EcommerceError extends Error {
  constructor(code, field, message, details = {}, status = -1) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.field = field || null;
    this.details = { ...details };
    this.status = status;
  }

  /** The error document {"error": {"code", "message", "field"?, ...}}. */
  toDocument() {
    const body = { code: this.code, message: this.message };
    if (this.field) body.field = this.field;
    return { error: { ...body, ...this.details } };
  }

  toString() {
    return `${this.name}: ${this.code}${this.field ? ` at ${this.field}` : ''}: ${this.message}`;
  }
}

/** The document is malformed, has an invalid field or is too large. */
export class InvalidInputError extends EcommerceError {}
/** The cart cannot be priced with these rules (no price, no tax rate, ...). */
export class PricingError extends EcommerceError {}
/** The operation conflicts with the current state (transition, version, id). */
export class ConflictError extends EcommerceError {}
/** Not enough stock, or the reservation expired. */
export class StockError extends EcommerceError {}
/** The reservation (or other object) named does not exist. */
export class NotFoundError extends EcommerceError {}
/** The library could not do its work (out of memory, misuse, internal). */
export class LibraryError extends EcommerceError {}

const FAMILIES = {
  invalid_json: InvalidInputError,
  invalid_field: InvalidInputError,
  limit_exceeded: InvalidInputError,
  payload_too_large: InvalidInputError,
  unsupported_media_type: InvalidInputError,
  method_not_allowed: InvalidInputError,
  unknown_currency: PricingError,
  no_price: PricingError,
  no_tax_rate: PricingError,
  unknown_shipping_method: PricingError,
  shipping_unavailable: PricingError,
  overflow: PricingError,
  invalid_transition: ConflictError,
  version_conflict: ConflictError,
  idempotency_conflict: ConflictError,
  insufficient_stock: StockError,
  reservation_expired: StockError,
  not_found: NotFoundError,
};

/** The exception class for a code string. */
export function errorClass(code) {
  return Object.hasOwn(FAMILIES, code) ? FAMILIES[code] : LibraryError;
}

/** Build the exception of the right family. */
export function makeError(code, field, message, details = {}, status = -1) {
  const Cls = errorClass(code);
  return new Cls(code, field, message, details, status);
}

/** Build the exception for an error document {"error": {...}}. */
export function fromDocument(doc, status = -1) {
  const { code = 'internal', message = '', field = null, ...details } = doc.error || {};
  return makeError(code, field, message, details, status);
}
