// orders.js - checkout from a priced cart, order state machines and events.
//
// createOrder() prices a cart with a Ruleset and returns the new order
// document (ec_json_order_create): every line keeps its unit price,
// subtotal, discount, net, tax and total, and from then on every unit that
// leaves the order (canceled, or returned) takes exactly its share of that
// money with it.  The order is plain data that the caller keeps (in its
// database) between events.
//
// An OrderMachine wraps an ec_order_machine: the built-in default (static in
// the library, never freed) or a custom one compiled from its document.
// apply() moves an order by one event and returns {"order", "effects",
// "duplicate"}; effects say what to do outside the order: stock to ship,
// release or put back ({"type": "ship_stock", "lines": [{sku, quantity}]}),
// money to refund or an authorization to release ({"type":
// "refund_payment", "amount": "12.34"}).  ec_json_order_create() and
// ec_json_order_apply() return malloc'd buffers: each is copied into a JS
// string and ec_free()d.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { makeError } from './errors.js';
import { Handle, api, compile, disposable, encode, errBuf, fn, lastError, lenSlot, outSlot, takeMalloced } from './native.js';
import { Ruleset, nativeRuleset } from './pricing.js';

// ---- checkout -------------------------------------------------------------------

/** A new order id, as `ecom order create` makes one: "ord_" and 32 random hex digits. */
export function newOrderId() {
  return `ord_${randomBytes(16).toString('hex')}`;
}

function checkId(id) {
  if (typeof id !== 'string') throw new TypeError(`orderId must be a string; got ${id === null ? 'null' : typeof id}`);
  // C would read the id up to the NUL: refuse it here, as the library would.
  if (id.includes('\0')) {
    throw makeError('invalid_field', 'id', 'id must be 1 to 128 bytes of UTF-8 without control characters');
  }
  return id;
}

function createWith(rules, cart, orderId) {
  api.require('orders');
  const text = encode(cart, 'cart');
  const id = checkId(orderId ?? newOrderId());
  const status = fn.ec_json_order_create(rules[nativeRuleset](), text, Buffer.byteLength(text), id, outSlot, lenSlot, errBuf);
  if (status !== 0) {
    outSlot[0] = null;
    throw lastError(status);
  }
  return takeMalloced();
}

/** As createOrder(), returning the order document as JSON text: byte for
 * byte what `ecom order create` prints (without its newline). */
export function createOrderJSON(rules, cart, orderId = undefined) {
  if (rules instanceof Ruleset) return createWith(rules, cart, orderId);
  const compiled = new Ruleset(rules);
  try {
    return createWith(compiled, cart, orderId);
  } finally {
    compiled.close();
  }
}

/**
 * Checkout: price `cart` with `rules` (a Ruleset, or a ruleset source
 * compiled for this call) and return the new order.  It gets `orderId` (an
 * identifier; newOrderId() when absent), the default machine's initial
 * state (pending_payment), version 1, created_at = the cart's `at`, the
 * lines with their amounts, the shipping, the applied promotions whose
 * amount is above zero and the applied coupons.  A cart that cannot be
 * priced throws the pricing error (PricingError no_price at lines[0].sku,
 * ...); a bad id throws InvalidInputError with field "id".
 */
export function createOrder(rules, cart, orderId = undefined) {
  return JSON.parse(createOrderJSON(rules, cart, orderId));
}

// ---- machines and events ---------------------------------------------------------

export class OrderMachine {
  #machine;

  /**
   * Compile a machine document ({"initial", "transitions", "final"?}) from
   * an object, JSON text or file path.  Throws EcommerceError naming the
   * first problem ("transitions[3].guard"); a transition names no effects
   * (they follow from the event), so one listing some is refused with
   * "transitions[i].effects[0]".  OrderMachine.default() is built in.
   */
  constructor(source) {
    api.require('orders');
    if (source === DEFAULT) {
      this.#machine = new Handle(this, fn.ec_order_machine_default(), null, 'order machine');
    } else {
      const ptr = compile('ec_order_machine_from_json', source, 'order machine');
      this.#machine = new Handle(this, ptr, fn.ec_order_machine_free, 'order machine');
    }
  }

  /** The built-in default machine (static library data; close() is a no-op). */
  static default() {
    return new OrderMachine(DEFAULT);
  }

  static fromObject(doc) {
    return new OrderMachine(encode(doc, 'order machine'));
  }

  static fromJSON(text) {
    return new OrderMachine(encode(text, 'order machine'));
  }

  static fromFile(file) {
    return new OrderMachine(readFileSync(file, 'utf8'));
  }

  /** The machine's document as compact JSON text. */
  toJSONString() {
    const status = fn.ec_order_machine_to_json(this.#machine.ptr, outSlot, lenSlot);
    if (status !== 0) throw lastError(status);
    return takeMalloced();
  }

  /** The machine's document as an object. */
  toObject() {
    return JSON.parse(this.toJSONString());
  }

  /** As apply(), returning the result document as JSON text (ecom's bytes). */
  applyJSON(order, event) {
    return applyWith(this.#machine.ptr, order, event);
  }

  /**
   * Apply one event to an order: {"order", "effects", "duplicate"}.  The
   * order document is validated whole first (errors named "order.<field>").
   * Refusals throw and change nothing: ConflictError for invalid_transition
   * (the message names the events allowed now) and version_conflict;
   * InvalidInputError for invalid_field naming the field at fault ("amount"
   * for a capture beyond what is due, "lines[0].quantity", "fee",
   * "shipping"); and so on.  The caller's order object is never modified.
   */
  apply(order, event) {
    return JSON.parse(this.applyJSON(order, event));
  }

  get closed() {
    return this.#machine.closed;
  }

  /** Free a custom machine now (idempotent). */
  close() {
    this.#machine.close();
  }
}
disposable(OrderMachine);

const DEFAULT = Symbol('default machine');

function applyWith(machine, order, event) {
  api.require('orders');
  const o = encode(order, 'order');
  const e = encode(event, 'event');
  const status = fn.ec_json_order_apply(machine, o, Buffer.byteLength(o), e, Buffer.byteLength(e), outSlot, lenSlot, errBuf);
  if (status !== 0) {
    outSlot[0] = null;
    throw lastError(status);
  }
  return takeMalloced();
}

/** Apply one event to an order with `machine` (default: the built-in one). */
export function apply(order, event, machine = undefined) {
  if (machine !== undefined && machine !== null) return machine.apply(order, event);
  return JSON.parse(applyWith(null, order, event));
}

/** The built-in default machine's document (what `ecom order machine` prints). */
export function defaultMachine() {
  return OrderMachine.default().toObject();
}
