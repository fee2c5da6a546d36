// inventory.js - stock per SKU and location, and reservations (docs/reference/inventory.md).
//
// An Inventory owns an ec_inventory.  Operations go through
// ec_inventory_apply_json_view(), whose result document lives in a buffer
// the inventory owns: koffi copies it into a JS string during the call, and
// nothing is freed per call.  The native object is not thread-safe, which a
// JS isolate never challenges: an Inventory belongs to the isolate that made
// it.

import { readFileSync } from 'node:fs';

import { fromDocument } from './errors.js';
import { Handle, api, compile, disposable, encode, errBuf, fn, lastError, lenSlot, outSlot, takeMalloced } from './native.js';

export class Inventory {
  #inv;

  /**
   * An empty inventory, or one loaded from a state document ({"stock",
   * "reservations"}) given as an object, JSON text or file path.
   */
  constructor(state = undefined) {
    api.require('inventory');
    let ptr;
    if (state === undefined || state === null) {
      ptr = fn.ec_inventory_new();
      if (!ptr) throw new Error('ec_inventory_new failed: out of memory');
    } else {
      ptr = compile('ec_inventory_from_json', state, 'inventory state');
    }
    this.#inv = new Handle(this, ptr, fn.ec_inventory_free, 'inventory');
  }

  static fromObject(state) {
    return new Inventory(encode(state, 'inventory state'));
  }

  static fromJSON(text) {
    return new Inventory(encode(text, 'inventory state'));
  }

  static fromFile(file) {
    return new Inventory(readFileSync(file, 'utf8'));
  }

  /**
   * Apply one operation and return its result document as JSON text; a
   * refused operation gives {"ok": false, "error": {...}} (never throws for
   * it), exactly as `ecom inventory apply` prints it.
   */
  applyJSON(op) {
    const text = encode(op, 'operation');
    const status = fn.ec_inventory_apply_json_view(this.#inv.ptr, text, Buffer.byteLength(text), outSlot, lenSlot, errBuf);
    const out = outSlot[0];
    outSlot[0] = null;
    if (out === null || out === undefined) throw lastError(status);
    return out;
  }

  /**
   * Apply one operation ({"op": "reserve", ...}) and return its result
   * document.  A refused operation changes nothing and throws the matching
   * EcommerceError (StockError for insufficient_stock, with details.sku,
   * details.requested, details.available), unless throwOnError is false.
   */
  apply(op, { throwOnError = true } = {}) {
    const result = JSON.parse(this.applyJSON(op));
    if (throwOnError && !result.ok) throw fromDocument(result);
    return result;
  }

  /** Apply operations in order; one result document each, none throwing. */
  applyAll(ops) {
    return Array.from(ops, (op) => this.apply(op, { throwOnError: false }));
  }

  /** The state document as JSON text (stock by SKU and location, reservations by id). */
  stateJSON() {
    const status = fn.ec_inventory_to_json(this.#inv.ptr, outSlot, lenSlot);
    if (status !== 0) throw lastError(status);
    return takeMalloced();
  }

  /** The state document as an object. */
  state() {
    return JSON.parse(this.stateJSON());
  }

  /** Shorthand for the available operation: {"available", "locations"}. */
  available(sku, at) {
    return this.apply({ op: 'available', sku, at });
  }

  get closed() {
    return this.#inv.closed;
  }

  /** Free the native inventory now (idempotent). */
  close() {
    this.#inv.close();
  }
}
disposable(Inventory);
