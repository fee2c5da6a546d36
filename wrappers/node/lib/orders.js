// orders.js - order state machines and applying events (formats.md 4).
//
// An OrderMachine wraps an ec_order_machine: the built-in default (static in
// the library, never freed) or a custom one compiled from its document.
// apply() moves an order document by one event document and returns
// {"order", "effects", "duplicate"}; the order itself is plain data that the
// caller keeps (in its database) between events.  ec_json_order_apply()
// returns a malloc'd buffer: it is copied into a JS string and ec_free()d.

import { readFileSync } from 'node:fs';

import { Handle, api, compile, disposable, encode, errBuf, fn, lastError, lenSlot, outSlot, takeMalloced } from './native.js';

export class OrderMachine {
  #machine;

  /**
   * Compile a machine document ({"initial", "transitions", ...}) from an
   * object, JSON text or file path.  Throws EcommerceError naming the first
   * problem ("transitions[3].guard").  OrderMachine.default() is built in.
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

  /** As apply(), returning the result document as JSON text. */
  applyJSON(order, event) {
    return applyWith(this.#machine.ptr, order, event);
  }

  /**
   * Apply one event to an order: {"order", "effects", "duplicate"}.  Throws
   * ConflictError (invalid_transition, version_conflict), InvalidInputError
   * (bad document, lines beyond what can be fulfilled) and so on; the
   * caller's order object is never modified.
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
