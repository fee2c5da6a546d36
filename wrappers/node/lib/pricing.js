// pricing.js - rulesets and pricing: the ec_ruleset and ec_pricer of json.h.
//
// A Ruleset owns a compiled, immutable ec_ruleset and, from its first call,
// an ec_pricer that reuses its cart, result and output buffer between calls,
// so a loop of calls stops allocating.  The pricer's output is turned into a
// JS string by koffi during the call, before the next call can overwrite it,
// so nothing needs ec_free() per call.  A Ruleset belongs to the isolate
// (main thread or worker) that made it; each worker builds its own.

import { readFileSync } from 'node:fs';

import { Handle, compile, disposable, encode, errBuf, fn, lastError, lenSlot, outSlot } from './native.js';

/** Package-internal: the method giving a Ruleset's native ruleset (orders.js
 * prices a cart into an order with it). */
export const nativeRuleset = Symbol('native ruleset');

export class Ruleset {
  #rules;
  #pricer = null;

  /**
   * Compile a ruleset (docs/reference/ruleset.md) from an object, JSON text (string or
   * bytes) or the path of a JSON file (a URL, or a string not starting with
   * "{").  Throws EcommerceError naming the first problem.
   */
  constructor(source) {
    this.#rules = new Handle(this, compile('ec_ruleset_from_json', source, 'ruleset'), fn.ec_ruleset_free, 'ruleset');
  }

  static fromObject(rules) {
    return new Ruleset(encode(rules, 'ruleset'));
  }

  static fromJSON(text) {
    return new Ruleset(encode(text, 'ruleset'));
  }

  static fromFile(file) {
    return new Ruleset(readFileSync(file, 'utf8'));
  }

  /** Price a cart; return the result document as JSON text (ecom's bytes). */
  priceJSON(cart) {
    const text = encode(cart, 'cart');
    const rules = this.#rules.ptr;
    if (this.#pricer === null) {
      const p = fn.ec_pricer_new();
      if (!p) throw new Error('ec_pricer_new failed: out of memory');
      this.#pricer = new Handle(this, p, fn.ec_pricer_free, 'pricer');
    }
    const status = fn.ec_pricer_price_json(this.#pricer.ptr, rules, text, Buffer.byteLength(text), outSlot, lenSlot, errBuf);
    const out = outSlot[0];
    outSlot[0] = null;
    if (status !== 0) throw lastError(status);
    return out;
  }

  /** Price a cart (docs/reference/cart.md); return the result as an object. */
  price(cart) {
    return JSON.parse(this.priceJSON(cart));
  }

  [nativeRuleset]() {
    return this.#rules.ptr;
  }

  /** The ruleset's default currency. */
  get currency() {
    return fn.ec_ruleset_currency(this.#rules.ptr);
  }

  /** Numbers of products, price lists and promotions. */
  get counts() {
    const r = this.#rules.ptr;
    return {
      products: Number(fn.ec_ruleset_product_count(r)),
      price_lists: Number(fn.ec_ruleset_price_list_count(r)),
      promotions: Number(fn.ec_ruleset_promotion_count(r)),
    };
  }

  get closed() {
    return this.#rules.closed;
  }

  /** Free the native ruleset and pricer now (idempotent). */
  close() {
    this.#rules.close();
    this.#pricer?.close();
  }
}
disposable(Ruleset);

/** Price one cart with a Ruleset, or with a ruleset source compiled for this call. */
export function price(rules, cart) {
  if (rules instanceof Ruleset) return rules.price(cart);
  const compiled = new Ruleset(rules);
  try {
    return compiled.price(cart);
  } finally {
    compiled.close();
  }
}
