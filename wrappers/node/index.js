// libecommerce for Node.js: price carts, move orders and hold stock exactly
// as every other channel does, by calling the same C library through koffi.
//
//   import { Ruleset } from 'libecommerce';
//   const rules = new Ruleset('rules.json');
//   const result = rules.price({ currency: 'EUR', at: '2026-11-28T10:00:00Z',
//                                lines: [{ sku: 'SHOE-1', quantity: 2 }] });
//
// Importing the package loads the shared library (ECOMMERCE_LIBRARY names it
// explicitly; see lib/native.js for where else it is looked for) and throws
// LibraryNotFoundError when it cannot be found.  Failures throw
// EcommerceError with code, field and message.

import { api } from './lib/native.js';

export {
  ConflictError,
  EcommerceError,
  InvalidInputError,
  LibraryError,
  NotFoundError,
  PricingError,
  StockError,
} from './lib/errors.js';
export { Inventory } from './lib/inventory.js';
export { ENV_VAR, LibraryNotFoundError } from './lib/native.js';
export { OrderMachine, apply, createOrder, createOrderJSON, defaultMachine, newOrderId } from './lib/orders.js';
export { Ruleset, price } from './lib/pricing.js';

/** The loaded library's version string ("0.2.0"). */
export function libraryVersion() {
  return api.version;
}

/** Path (or name) the library was loaded from. */
export function libraryPath() {
  return api.path;
}

/** Whether the loaded library has a group of functions: "pricing", "orders", "inventory". */
export function hasFeature(group) {
  return api.has(group);
}
