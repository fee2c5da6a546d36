// Type declarations for libecommerce (Node.js, ESM).
//
// The documents are those the library reads and writes (docs/ in the
// project's sources describes every field).  Input documents are typed
// exactly, with no index signature, so that a misspelt key ("currncy") is a
// compile error here as it is a refusal (invalid_field) in the library;
// every method that takes a document also takes it as JSON text (a string,
// or UTF-8 bytes in a Uint8Array or Buffer), unchecked.  An optional key may
// be given as null, which the library reads as absent.  Money is always a
// decimal string ("128.31"), never a number.
//
// These declarations stand alone: they need no @types/node.  What they use
// beyond ES5 comes from the TypeScript libs referenced below
// (TypeScript 5.2 or newer for `using` and Symbol.dispose).

/// <reference lib="es2015.iterable" />
/// <reference lib="es2015.symbol.wellknown" />
/// <reference lib="esnext.disposable" />

// ---- conventions ---------------------------------------------------------------------

/** JSON text: a string, or its UTF-8 bytes (a Buffer is a Uint8Array). */
export type JsonText = string | Uint8Array;
/** A decimal amount in the currency's minor-unit precision, e.g. "19.99". */
export type Money = string;
/** A percentage as a decimal string, 0 to 100, at most 4 decimals: "19", "12.5". */
export type Percent = string;
/** An RFC 3339 instant: "2026-11-28T10:00:00Z" (offsets allowed). */
export type Time = string;
/** ISO 4217 alphabetic code: "EUR". */
export type Currency = string;
/** A money field of a ruleset: the ruleset's currency, or an amount per currency. */
export type MoneyField = Money | { [currency: string]: Money };
/** A file: URL (structurally, so that these declarations need no Node types). */
export interface FileURL {
  readonly href: string;
  readonly protocol: string;
  readonly pathname: string;
}
/** A ruleset, machine or state given as a document, JSON text, or a file:
 * a file: URL, or a string that does not start with "{" (its path). */
export type Source<Doc> = Doc | JsonText | FileURL;

// ---- errors ------------------------------------------------------------------------------

/** Environment variable naming the shared library to load. */
export declare const ENV_VAR: 'ECOMMERCE_LIBRARY';

/** The library could not be found, or is not a supported version. */
export declare class LibraryNotFoundError extends Error {}

/** The error document of a refusal. */
export interface ErrorBody {
  code: string;
  message: string;
  /** Path of the offending field ("lines[2].quantity"); absent when none. */
  field?: string;
  /** Inventory shortages: the SKU, location and quantities. */
  sku?: string;
  location?: string;
  requested?: number;
  available?: number;
}

/** A failure reported by libecommerce. */
export declare class EcommerceError extends Error {
  constructor(code: string, field: string | null, message: string, details?: Record<string, unknown>, status?: number);
  /** The error's code, e.g. "no_price". */
  readonly code: string;
  /** Path of the offending field ("lines[2].quantity"), or null. */
  readonly field: string | null;
  /** Further members of the error document (inventory: sku, requested, available, location). */
  readonly details: Record<string, unknown>;
  /** The numeric ec_status value, or -1 when it came from a document. */
  readonly status: number;
  /** The error document {"error": {code, message, field?, ...}}. */
  toDocument(): { error: ErrorBody };
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

// ---- rulesets ----------------------------------------------------------------------------

export interface TaxRate {
  category: string;
  /** A country code, or "*" for every other country. */
  country: string;
  percent: Percent;
}

export interface Product {
  sku: string;
  prices: MoneyField;
  categories?: string[] | null;
  tax_category?: string | null;
}

export interface PriceTier {
  min_quantity: number;
  price: MoneyField;
}

export interface PriceListEntry {
  sku: string;
  price: MoneyField;
  tiers?: PriceTier[] | null;
}

export interface PriceList {
  id: string;
  currency?: Currency | null;
  priority?: number | null;
  customer_groups?: string[] | null;
  channels?: string[] | null;
  countries?: string[] | null;
  valid_from?: Time | null;
  valid_to?: Time | null;
  prices?: PriceListEntry[] | null;
}

export interface PromotionTarget {
  skus?: string[] | null;
  categories?: string[] | null;
  /** A PCRE2 pattern, unanchored. */
  sku_pattern?: string | null;
  exclude_skus?: string[] | null;
}

export type PromotionAction =
  | { type: 'percent_off'; percent: Percent }
  | { type: 'amount_off_each'; amount: MoneyField }
  | { type: 'amount_off_order'; amount: MoneyField }
  | { type: 'fixed_price'; price: MoneyField }
  | { type: 'buy_x_get_y'; buy: number; get: number; percent?: Percent | null; max_applications?: number | null }
  | { type: 'tiered_percent'; tiers: { min_subtotal: MoneyField; percent: Percent }[] }
  | { type: 'free_shipping' };

export interface Promotion {
  id: string;
  name?: string | null;
  level?: 'cart' | 'product' | null;
  priority?: number | null;
  stacking?: 'stack' | 'stop' | 'exclusive' | null;
  valid_from?: Time | null;
  valid_to?: Time | null;
  coupon?: string | null;
  usage_limit?: number | null;
  customer_groups?: string[] | null;
  channels?: string[] | null;
  countries?: string[] | null;
  min_subtotal?: MoneyField | null;
  min_quantity?: number | null;
  target?: PromotionTarget | null;
  action: PromotionAction;
  max_discount?: MoneyField | null;
}

export interface ShippingMethod {
  id: string;
  prices: MoneyField;
  free_over?: MoneyField | null;
  countries?: string[] | null;
  tax_category?: string | null;
}

/** A ruleset document. */
export interface RulesetDocument {
  currency: Currency;
  rounding?: 'half_even' | 'half_up' | 'half_down' | 'up' | 'down' | 'ceiling' | 'floor' | null;
  prices_include_tax?: boolean | null;
  tax_rounding?: 'line' | 'total' | null;
  tax?: TaxRate[] | null;
  products?: Product[] | null;
  price_lists?: PriceList[] | null;
  promotions?: Promotion[] | null;
  shipping?: ShippingMethod[] | null;
}

// ---- carts and prices --------------------------------------------------------------------

export interface CartLine {
  sku: string;
  /** 1 to 1,000,000. */
  quantity: number;
}

/** A cart to price. */
export interface Cart {
  /** Echoed in the result. */
  id?: string | null;
  currency: Currency;
  at: Time;
  lines: CartLine[];
  country?: string | null;
  /** ISO 3166-2 region the cart is taxed in, e.g. "US-CA". */
  region?: string | null;
  /** Matched against tax entries' postal prefixes (spaces ignored, letters upper-cased). */
  postal_code?: string | null;
  customer_group?: string | null;
  /** The customer's id; a service keeps per-customer promotion uses under it. */
  customer?: string | null;
  channel?: string | null;
  /** The customer's tax class, e.g. "b2b_reverse_charge". */
  tax_class?: string | null;
  /** true: the customer pays no tax (rates stay listed with amounts of 0). */
  tax_exempt?: boolean | null;
  coupons?: string[] | null;
  shipping_method?: string | null;
  /** Uses of each promotion (by id) by every customer, for usage_limit. */
  promotion_uses?: { [promotion: string]: number } | null;
  /** Uses of each promotion by this cart's customer, for usage_limit_per_customer. */
  customer_promotion_uses?: { [promotion: string]: number } | null;
  /** Uses of each coupon code (case-insensitive), for code_usage_limit. */
  coupon_uses?: { [code: string]: number } | null;
  /** Money each budgeted promotion has given so far, in the cart's currency. */
  promotion_spent?: { [promotion: string]: Money } | null;
}

export interface LineDiscount {
  promotion: string;
  amount: Money;
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
  discounts: LineDiscount[];
  discount: Money;
  net: Money;
  /** The sum of the line's rates' percents. */
  tax_percent: Percent;
  tax: Money;
  /** The line's tax entry's rates in order ([] without tax entries); they add up to tax. */
  taxes: TaxAmount[];
  total: Money;
}

export interface PricedShipping {
  method: string;
  price: Money;
  discount: Money;
  tax: Money;
  total: Money;
}

export interface PromotionOutcome {
  id: string;
  applied: boolean;
  /** When applied: what it took, its shipping discount included. */
  amount?: Money;
  /** When not applied: why ("min_subtotal", "coupon_missing", "no_discount",
   * "not_best_in_group", "budget_exhausted", "coupon_used_up",
   * "customer_usage_limit_reached", ...). */
  reason?: string;
}

export interface CouponOutcome {
  code: string;
  status: 'applied' | 'not_applicable' | 'unknown';
}

/** The result of pricing a cart. */
export interface PriceResult {
  id?: string;
  currency: Currency;
  lines: PricedLine[];
  subtotal: Money;
  discount: Money;
  shipping: PricedShipping | null;
  tax: Money;
  /** Every line's and shipping's rates summed by name and percent, first seen first; adds up to tax. */
  taxes: TaxAmount[];
  total: Money;
  promotions: PromotionOutcome[];
  coupons: CouponOutcome[];
}

/** A compiled, immutable ruleset and its pricer.  Belongs to the isolate
 * (main thread or worker) that built it. */
export declare class Ruleset {
  /** Compile from a document, JSON text or file; throws EcommerceError. */
  constructor(source: Source<RulesetDocument>);
  static fromObject(rules: RulesetDocument): Ruleset;
  static fromJSON(text: JsonText): Ruleset;
  static fromFile(path: string): Ruleset;
  /** Price a cart (docs/pricing.md); throws EcommerceError when it is refused. */
  price(cart: Cart | JsonText): PriceResult;
  /** As price(), returning the document as JSON text (the bytes ecom prints). */
  priceJSON(cart: Cart | JsonText): string;
  readonly currency: string;
  readonly counts: { products: number; price_lists: number; promotions: number };
  readonly closed: boolean;
  /** Free the native ruleset now; later calls throw.  Idempotent. */
  close(): void;
  [Symbol.dispose](): void;
}

/** Price one cart with a Ruleset, or a ruleset source compiled for this call. */
export declare function price(rules: Ruleset | Source<RulesetDocument>, cart: Cart | JsonText): PriceResult;

// ---- orders --------------------------------------------------------------------------------

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
  at: Time;
}

/** An order document, as apply() returns it and takes it back. */
export interface Order {
  id: string;
  state: string;
  version: number;
  currency: Currency;
  /** The cart's time (the pricing time); null when unknown. */
  created_at: Time | null;
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
  at: Time;
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
export interface OrderTransition {
  from: string[];
  event: string;
  to: string;
  guard?: string | null;
}

/** An order state machine document. */
export interface MachineDocument {
  initial: string;
  transitions: OrderTransition[];
  final?: string[] | null;
}

/** A new order id, as `ecom order create` makes one: "ord_" and 32 random hex digits. */
export declare function newOrderId(): string;

/** Checkout: price a cart with a Ruleset (or a ruleset source compiled for
 * this call) and return the new order; without an id, newOrderId().
 * Throws the pricing error, or InvalidInputError with field "id". */
export declare function createOrder(rules: Ruleset | Source<RulesetDocument>, cart: Cart | JsonText, orderId?: string): Order;
/** As createOrder(), returning the document as JSON text (the bytes `ecom order create` prints). */
export declare function createOrderJSON(rules: Ruleset | Source<RulesetDocument>, cart: Cart | JsonText, orderId?: string): string;

/** An order state machine: the built-in default or a custom one. */
export declare class OrderMachine {
  /** Compile a machine document; throws EcommerceError naming the first problem. */
  constructor(source: Source<MachineDocument>);
  /** The built-in default machine (static; close() does nothing). */
  static default(): OrderMachine;
  static fromObject(doc: MachineDocument): OrderMachine;
  static fromJSON(text: JsonText): OrderMachine;
  static fromFile(path: string): OrderMachine;
  toObject(): MachineDocument;
  toJSONString(): string;
  /** Apply one event; throws ConflictError, InvalidInputError, ... */
  apply(order: Order | JsonText, event: OrderEvent | JsonText): ApplyResult;
  applyJSON(order: Order | JsonText, event: OrderEvent | JsonText): string;
  readonly closed: boolean;
  close(): void;
  [Symbol.dispose](): void;
}

/** Apply one event with `machine` (default: the built-in machine). */
export declare function apply(
  order: Order | JsonText,
  event: OrderEvent | JsonText,
  machine?: OrderMachine | null,
): ApplyResult;

/** The built-in default machine's document. */
export declare function defaultMachine(): MachineDocument;

// ---- inventory -------------------------------------------------------------------------------

export interface StockEntry {
  sku: string;
  location: string;
  on_hand: number;
  safety_stock?: number | null;
  backorder_limit?: number | null;
}

export interface ReservationLine {
  sku: string;
  location: string;
  quantity: number;
}

export type ReservationStatus = 'active' | 'committed' | 'released' | 'expired' | 'shipped';

export interface Reservation {
  id: string;
  lines: ReservationLine[];
  status: ReservationStatus;
  expires_at: Time;
  order?: string | null;
}

/** An inventory state document. */
export interface InventoryState {
  stock?: StockEntry[] | null;
  reservations?: Reservation[] | null;
}

/** One inventory operation. */
export type InventoryOperation =
  | { op: 'set'; sku: string; location: string; on_hand: number; safety_stock?: number | null; backorder_limit?: number | null }
  | { op: 'receive'; sku: string; location: string; quantity: number }
  | {
      op: 'reserve';
      id: string;
      lines: CartLine[];
      ttl_seconds: number;
      at: Time;
      locations?: string[] | null;
      strategy?: 'priority' | 'single' | null;
    }
  | { op: 'commit'; id: string; order: string; at: Time }
  | { op: 'release'; id: string }
  | { op: 'ship'; id: string }
  | { op: 'expire'; at: Time }
  | { op: 'available'; sku: string; at: Time };

/** The result of one operation: ok with the operation's fields, or the error. */
export interface InventoryResult {
  ok: boolean;
  error?: ErrorBody;
  /** set, receive, available */
  sku?: string;
  /** set, receive */
  location?: string;
  on_hand?: number;
  safety_stock?: number;
  backorder_limit?: number;
  /** reserve, commit, release, ship */
  id?: string;
  duplicate?: boolean;
  status?: ReservationStatus;
  order?: string;
  lines?: ReservationLine[];
  expires_at?: Time;
  /** expire: the ids it expired */
  expired?: string[];
  /** available */
  available?: number;
  locations?: { [location: string]: number };
}

/** Stock and reservations; belongs to the isolate that made it. */
export declare class Inventory {
  /** Empty, or loaded from a state document, JSON text or file. */
  constructor(state?: Source<InventoryState> | null);
  static fromObject(state: InventoryState): Inventory;
  static fromJSON(text: JsonText): Inventory;
  static fromFile(path: string): Inventory;
  /** Apply one operation; throws for {"ok": false} unless throwOnError is false. */
  apply(op: InventoryOperation | JsonText, options?: { throwOnError?: boolean }): InventoryResult;
  /** Apply one operation; the result document as JSON text, never throwing for a refusal. */
  applyJSON(op: InventoryOperation | JsonText): string;
  /** Apply operations in order, one result each, none throwing. */
  applyAll(ops: Iterable<InventoryOperation | JsonText>): InventoryResult[];
  state(): { stock: StockEntry[]; reservations: Reservation[] };
  stateJSON(): string;
  available(sku: string, at: Time): InventoryResult & { available: number; locations: { [location: string]: number } };
  readonly closed: boolean;
  close(): void;
  [Symbol.dispose](): void;
}

// ---- the library ---------------------------------------------------------------------------

/** The loaded library's version string. */
export declare function libraryVersion(): string;
/** Path (or name) the library was loaded from. */
export declare function libraryPath(): string;
/** Whether the loaded library has "pricing", "orders" or "inventory". */
export declare function hasFeature(group: 'pricing' | 'orders' | 'inventory'): boolean;
