// Type declarations for libecommerce (Node.js, ESM).
//
// Documents are the JSON documents of the specification (formats.md); the
// types below name their main fields and stay open (`[key: string]:
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
/** invalid_json, invalid_field, limit_exceeded, payload_too_large, unsupported_media_type, method_not_allowed. */
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
  customer_group?: string;
  channel?: string;
  coupons?: string[];
  shipping_method?: string;
  promotion_uses?: Record<string, number>;
  [key: string]: unknown;
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
  tax_percent: string;
  tax: Money;
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
  total: Money;
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
  /** Price a cart (formats.md 3); throws EcommerceError when it is refused. */
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

/** The derived payment status of an order. */
export type PaymentStatus = 'unpaid' | 'authorized' | 'partially_paid' | 'paid' | 'refund_due' | 'refunded';
/** The derived fulfilment status of an order. */
export type Fulfillment = 'unfulfilled' | 'partially_fulfilled' | 'fulfilled' | 'canceled';

/** One line of an order: its amounts as priced, and its unit counters. */
export interface OrderLine {
  sku: string;
  quantity: number;
  unit_price: Money;
  subtotal: Money;
  discount: Money;
  net: Money;
  tax: Money;
  /** What the customer pays for the line (net plus tax, or net when prices include tax). */
  total: Money;
  fulfilled: number;
  canceled: number;
  /** Returned units stay counted in `fulfilled`. */
  returned: number;
}

export interface OrderShipping {
  method: string;
  total: Money;
  tax: Money;
  /** True once the shipping left the order (every unit canceled before
   * anything shipped, or given back by a return with `shipping: true`). */
  returned: boolean;
}

export interface OrderPayment {
  authorized: Money;
  captured: Money;
  refunded: Money;
  /** max(0, balance - (captured - refunded)). */
  amount_due: Money;
  /** max(0, (captured - refunded) - balance). */
  refund_due: Money;
  status: PaymentStatus;
}

export interface OrderHistoryEntry {
  event_id: string;
  event: string;
  from: string;
  to: string;
  at: string;
}

/** The order document, every key present as the library writes it. */
export interface Order {
  id: string;
  state: string;
  version: number;
  currency: string;
  /** The cart's time (the pricing time); null when unknown. */
  created_at: string | null;
  prices_include_tax: boolean;
  lines: OrderLine[];
  /** null when the cart had no shipping method. */
  shipping: OrderShipping | null;
  subtotal: Money;
  discount: Money;
  tax: Money;
  total: Money;
  /** The applied cart promotions whose amount was above zero. */
  promotions: { id: string; amount: Money }[];
  /** The coupons that applied, as the cart spelt them. */
  coupons: string[];
  /** total - value of the units (and shipping) that left + fees kept. */
  balance: Money;
  payment: OrderPayment;
  fulfillment: Fulfillment;
  history: OrderHistoryEntry[];
}

export interface OrderEventLine {
  sku: string;
  quantity: number;
}

/** An event.  authorize needs `amount`; capture and refund take one
 * (default: what is due); fulfill and return need `lines`, cancel takes
 * them (default: every unfulfilled unit); return takes `fee` and
 * `shipping`.  A field the type does not take is refused naming it. */
export interface OrderEvent {
  id: string;
  type: string;
  at: string;
  amount?: Money;
  lines?: OrderEventLine[];
  fee?: Money;
  shipping?: boolean;
  expected_version?: number;
}

export type StockEffectType = 'ship_stock' | 'release_stock' | 'restock';
export type PaymentEffectType = 'refund_payment' | 'void_payment';

/** Units to ship, to release (canceled) or to put back (returned).  One
 * member per type, so that checking `type` narrows an Effect both ways. */
export type StockEffect = { [T in StockEffectType]: { type: T; lines: OrderEventLine[] } }[StockEffectType];

/** Money to refund (then record it with a refund event) or an
 * authorization to release (then record it with a void event). */
export type PaymentEffect = { [T in PaymentEffectType]: { type: T; amount: Money } }[PaymentEffectType];

/** Stock effects come first, then refund, then void. */
export type Effect = StockEffect | PaymentEffect;

export interface ApplyResult {
  order: Order;
  effects: Effect[];
  /** True when the event id was already in the history: nothing changed. */
  duplicate: boolean;
}

/** A machine document.  Transitions name no effects: they follow from the event. */
export interface MachineDocument {
  initial: string;
  transitions: { from: string[]; event: string; to: string; guard?: string }[];
  final?: string[];
}

/** A new order id, as `ecom order create` makes one: "ord_" and 32 random hex digits. */
export declare function newOrderId(): string;

/** Checkout: price a cart with a Ruleset (or a ruleset source compiled for
 * this call) and return the new order; without an id, newOrderId().
 * Throws the pricing error, or InvalidInputError with field "id". */
export declare function createOrder(rules: Ruleset | Source, cart: Cart | JsonDocument, orderId?: string): Order;
/** As createOrder(), returning the document as JSON text (the bytes `ecom order create` prints). */
export declare function createOrderJSON(rules: Ruleset | Source, cart: Cart | JsonDocument, orderId?: string): string;

/** An order state machine: the built-in default or a custom one. */
export declare class OrderMachine {
  /** Compile a machine document; throws EcommerceError naming the first problem. */
  constructor(source: Source);
  /** The built-in default machine (static; close() does nothing). */
  static default(): OrderMachine;
  static fromObject(doc: MachineDocument | object): OrderMachine;
  static fromJSON(text: string | Uint8Array): OrderMachine;
  static fromFile(path: string): OrderMachine;
  toObject(): MachineDocument;
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
export declare function defaultMachine(): MachineDocument;

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
