// Type declarations for libecommerce (Node.js, ESM).
//
// Documents are the JSON documents the library reads and writes
// (docs/pricing.md, docs/orders.md, docs/inventory.md); the types below
// name their main fields and stay open (`[key: string]:
// unknown`) so that a newer library's additions still type-check.  Money is
// always a decimal string ("128.31").

/** A JSON document given as an object, or JSON text as a string or bytes. */
export type JsonDocument = object | string | Uint8Array;
/** A file: URL (structurally, so that these declarations need no Node types). */
export interface FileURL {
  readonly href: string;
  readonly protocol: string;
  readonly pathname: string;
}
/** A ruleset, machine or state: a document, or the path of a file holding one
 * (a file: URL, or a string that does not start with "{"). */
export type Source = JsonDocument | FileURL;
/** A decimal amount in the currency's minor-unit precision, e.g. "19.99". */
export type Money = string;

/** Environment variable naming the shared library to load. */
export declare const ENV_VAR: 'ECOMMERCE_LIBRARY';

/** The library could not be found, or is not a supported version. */
export declare class LibraryNotFoundError extends Error {}

/** A failure reported by libecommerce. */
export declare class EcommerceError extends Error {
  constructor(code: string, field: string | null, message: string, details?: Record<string, unknown>, status?: number);
  /** The spec's code string, e.g. "no_price". */
  readonly code: string;
  /** Path of the offending field ("lines[2].quantity"), or null. */
  readonly field: string | null;
  /** Further members of the error document (inventory: sku, requested, available, location). */
  readonly details: Record<string, unknown>;
  /** The numeric ec_status value, or -1 when it came from a document. */
  readonly status: number;
  /** The error document {"error": {code, message, field?, ...}}. */
  toDocument(): { error: { code: string; message: string; field?: string; [key: string]: unknown } };
}
/** invalid_json, invalid_field, limit_exceeded, payload_too_large, unsupported_media_type. */
export declare class InvalidInputError extends EcommerceError {}
/** unknown_currency, no_price, no_tax_rate, unknown_shipping_method, shipping_unavailable, overflow. */
export declare class PricingError extends EcommerceError {}
/** invalid_transition, version_conflict, idempotency_conflict. */
export declare class ConflictError extends EcommerceError {}
/** insufficient_stock, reservation_expired. */
export declare class StockError extends EcommerceError {}
/** not_found. */
export declare class NotFoundError extends EcommerceError {}
/** Anything else: no_memory, misuse, internal, ... */
export declare class LibraryError extends EcommerceError {}

// ---- pricing ---------------------------------------------------------------------

export interface CartLine {
  sku: string;
  quantity: number;
}

export interface Cart {
  id?: string;
  currency: string;
  at: string;
  lines: CartLine[];
  country?: string;
  /** ISO 3166-2 region the cart is taxed in, e.g. "US-CA". */
  region?: string;
  /** Matched against tax entries' postal prefixes (spaces ignored, letters upper-cased). */
  postal_code?: string;
  customer_group?: string;
  /** The customer's id; a service keeps per-customer promotion uses under it. */
  customer?: string;
  channel?: string;
  /** The customer's tax class, e.g. "b2b_reverse_charge". */
  tax_class?: string;
  /** true: the customer pays no tax (rates stay listed with amounts of 0). */
  tax_exempt?: boolean;
  coupons?: string[];
  shipping_method?: string;
  /** Uses of each promotion (by id) by every customer, for usage_limit. */
  promotion_uses?: Record<string, number>;
  /** Uses of each promotion by this cart's customer, for usage_limit_per_customer. */
  customer_promotion_uses?: Record<string, number>;
  /** Uses of each coupon code (case-insensitive), for code_usage_limit. */
  coupon_uses?: Record<string, number>;
  /** Money each budgeted promotion has given so far, in the cart's currency. */
  promotion_spent?: Record<string, Money>;
  [key: string]: unknown;
}

/** One named tax rate and what it charges, e.g. {name: "GST", percent: "5", amount: "0.75"}. */
export interface TaxAmount {
  name: string;
  /** Decimal percent without trailing zeros, e.g. "9.975". */
  percent: string;
  amount: Money;
}

export interface PricedLine {
  sku: string;
  quantity: number;
  list_price: Money;
  unit_price: Money;
  price_list: string | null;
  product_promotion: string | null;
  subtotal: Money;
  discounts: { promotion: string; amount: Money }[];
  discount: Money;
  net: Money;
  /** The sum of the line's rates' percents. */
  tax_percent: string;
  tax: Money;
  /** The line's tax entry's rates in order ([] without tax entries); they add up to tax. */
  taxes: TaxAmount[];
  total: Money;
  [key: string]: unknown;
}

export interface PriceResult {
  id?: string;
  currency: string;
  lines: PricedLine[];
  subtotal: Money;
  discount: Money;
  shipping: { method: string; price: Money; discount: Money; tax: Money; total: Money } | null;
  tax: Money;
  /** Every line's and shipping's rates summed by name and percent, first seen first; adds up to tax. */
  taxes: TaxAmount[];
  total: Money;
  /** reason when not applied: "coupon_missing", "no_discount", "not_best_in_group",
   * "budget_exhausted", "coupon_used_up", "customer_usage_limit_reached", ... */
  promotions: { id: string; applied: boolean; amount?: Money; reason?: string }[];
  coupons: { code: string; status: 'applied' | 'not_applicable' | 'unknown' }[];
  [key: string]: unknown;
}

/** A compiled, immutable ruleset and its pricer.  Belongs to the isolate
 * (main thread or worker) that built it. */
export declare class Ruleset {
  /** Compile from an object, JSON text or file path; throws EcommerceError. */
  constructor(source: Source);
  static fromObject(rules: object): Ruleset;
  static fromJSON(text: string | Uint8Array): Ruleset;
  static fromFile(path: string): Ruleset;
  /** Price a cart (docs/pricing.md); throws EcommerceError when it is refused. */
  price(cart: Cart | JsonDocument): PriceResult;
  /** As price(), returning the document as JSON text (the bytes ecom prints). */
  priceJSON(cart: Cart | JsonDocument): string;
  readonly currency: string;
  readonly counts: { products: number; price_lists: number; promotions: number };
  readonly closed: boolean;
  /** Free the native ruleset now; later calls throw.  Idempotent. */
  close(): void;
  [Symbol.dispose](): void;
}

/** Price one cart with a Ruleset, or a ruleset source compiled for this call. */
export declare function price(rules: Ruleset | Source, cart: Cart | JsonDocument): PriceResult;

// ---- orders ------------------------------------------------------------------------

export interface OrderLine {
  sku: string;
  quantity: number;
  fulfilled?: number;
  returned?: number;
}

export interface Order {
  id: string;
  state: string;
  version: number;
  currency: string;
  total: Money;
  lines: OrderLine[];
  payment?: { authorized: Money; captured: Money; refunded: Money };
  history?: { event_id: string; event: string; from: string; to: string; at: string }[];
  [key: string]: unknown;
}

export interface OrderEvent {
  id: string;
  type: string;
  at: string;
  amount?: Money;
  lines?: { sku: string; quantity: number }[];
  expected_version?: number;
  [key: string]: unknown;
}

export interface ApplyResult {
  order: Order;
  effects: string[];
  duplicate: boolean;
}

/** An order state machine: the built-in default or a custom one. */
export declare class OrderMachine {
  /** Compile a machine document; throws EcommerceError naming the first problem. */
  constructor(source: Source);
  /** The built-in default machine (static; close() does nothing). */
  static default(): OrderMachine;
  static fromObject(doc: object): OrderMachine;
  static fromJSON(text: string | Uint8Array): OrderMachine;
  static fromFile(path: string): OrderMachine;
  toObject(): Record<string, unknown>;
  toJSONString(): string;
  /** Apply one event; throws ConflictError, InvalidInputError, ... */
  apply(order: Order | JsonDocument, event: OrderEvent | JsonDocument): ApplyResult;
  applyJSON(order: Order | JsonDocument, event: OrderEvent | JsonDocument): string;
  readonly closed: boolean;
  close(): void;
  [Symbol.dispose](): void;
}

/** Apply one event with `machine` (default: the built-in machine). */
export declare function apply(
  order: Order | JsonDocument,
  event: OrderEvent | JsonDocument,
  machine?: OrderMachine | null,
): ApplyResult;

/** The built-in default machine's document. */
export declare function defaultMachine(): Record<string, unknown>;

// ---- inventory ---------------------------------------------------------------------

export interface InventoryResult {
  ok: boolean;
  error?: {
    code: string;
    message: string;
    field?: string;
    sku?: string;
    location?: string;
    requested?: number;
    available?: number;
  };
  [key: string]: unknown;
}

/** Stock and reservations; belongs to the isolate that made it. */
export declare class Inventory {
  /** Empty, or loaded from a state document / JSON text / file path. */
  constructor(state?: Source | null);
  static fromObject(state: object): Inventory;
  static fromJSON(text: string | Uint8Array): Inventory;
  static fromFile(path: string): Inventory;
  /** Apply one operation; throws for {"ok": false} unless throwOnError is false. */
  apply(op: object | JsonDocument, options?: { throwOnError?: boolean }): InventoryResult;
  /** Apply one operation; the result document as JSON text, never throwing for a refusal. */
  applyJSON(op: object | JsonDocument): string;
  /** Apply operations in order, one result each, none throwing. */
  applyAll(ops: Iterable<object | JsonDocument>): InventoryResult[];
  state(): { stock: unknown[]; reservations: unknown[] };
  stateJSON(): string;
  available(sku: string, at: string): InventoryResult & { available: number; locations: Record<string, number> };
  readonly closed: boolean;
  close(): void;
  [Symbol.dispose](): void;
}

// ---- the library -----------------------------------------------------------------

/** The loaded library's version string. */
export declare function libraryVersion(): string;
/** Path (or name) the library was loaded from. */
export declare function libraryPath(): string;
/** Whether the loaded library has "pricing", "orders" or "inventory". */
export declare function hasFeature(group: 'pricing' | 'orders' | 'inventory'): boolean;
