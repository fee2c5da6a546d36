// native.js - finding libecommerce, loading it with koffi, declaring its
// functions, and what every wrapper class shares.
//
// The library is looked for, in this order (the first that loads wins):
//   1. the file named by ECOMMERCE_LIBRARY (when set, nothing else is tried:
//      an explicit choice must not be replaced silently by another copy);
//   2. the build tree: build/lib/libecommerce.so.0 in the package's folder or
//      any folder above it, so that tests and examples run from a checkout;
//   3. a copy next to the package (libecommerce.so.0 beside package.json);
//   4. the soname through the dynamic loader's own search (LD_LIBRARY_PATH,
//      the ldconfig cache), then /usr/local/lib and /usr/lib.
//
// JavaScript runs one thread per isolate (the main thread, each worker), and
// every call here is synchronous, so one error buffer and one set of output
// slots per module instance are never used by two calls at once.  Each
// worker loads its own instance of this module and so has its own.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import koffi from 'koffi';

import { makeError } from './errors.js';

/** Environment variable naming the shared library to load. */
export const ENV_VAR = 'ECOMMERCE_LIBRARY';
/** The ABI major version this package is written against (the soname's). */
export const ABI_MAJOR = 0;
export const SONAME = `libecommerce.so.${ABI_MAJOR}`;

const here = path.dirname(fileURLToPath(import.meta.url));

/** libecommerce could not be found or is not a version this package supports. */
export class LibraryNotFoundError extends Error {
  constructor(message) {
    super(message);
    this.name = 'LibraryNotFoundError';
  }
}

koffi.opaque('ec_ruleset');
koffi.opaque('ec_pricer');
koffi.opaque('ec_order_machine');
koffi.opaque('ec_inventory');

// Prototypes by group, so that a library built before a module existed
// still serves the others (api.require() says what is missing).
const GROUPS = {
  core: [
    'const char *ec_version_string(void)',
    'uint32_t ec_version_number(void)',
    'const char *ec_status_name(int32_t status)',
    'size_t ec_error_size(void)',
    'int32_t ec_error_code(const void *err)',
    'const char *ec_error_field(const void *err)',
    'const char *ec_error_message(const void *err)',
  ],
  pricing: [
    'int32_t ec_ruleset_from_json(const char *json, size_t len, const void *alloc, _Out_ ec_ruleset **out, void *err)',
    'void ec_ruleset_free(ec_ruleset *rules)',
    'size_t ec_ruleset_product_count(const ec_ruleset *rules)',
    'size_t ec_ruleset_price_list_count(const ec_ruleset *rules)',
    'size_t ec_ruleset_promotion_count(const ec_ruleset *rules)',
    'const char *ec_ruleset_currency(const ec_ruleset *rules)',
    'ec_pricer *ec_pricer_new(void)',
    'void ec_pricer_free(ec_pricer *pricer)',
    'int32_t ec_pricer_price_json(ec_pricer *pricer, const ec_ruleset *rules, const char *cart, size_t len, _Out_ const char **out, _Out_ size_t *out_len, void *err)',
  ],
  orders: [
    'const ec_order_machine *ec_order_machine_default(void)',
    'int32_t ec_order_machine_from_json(const char *json, size_t len, const void *alloc, _Out_ ec_order_machine **out, void *err)',
    'int32_t ec_order_machine_to_json(const ec_order_machine *machine, _Out_ void **out, _Out_ size_t *out_len)',
    'void ec_order_machine_free(ec_order_machine *machine)',
    'int32_t ec_json_order_create(const ec_ruleset *rules, const char *cart, size_t len, const char *id, _Out_ void **out, _Out_ size_t *out_len, void *err)',
    'int32_t ec_json_order_apply(const ec_order_machine *machine, const char *order, size_t order_len, const char *event, size_t event_len, _Out_ void **out, _Out_ size_t *out_len, void *err)',
  ],
  inventory: [
    'ec_inventory *ec_inventory_new(void)',
    'void ec_inventory_free(ec_inventory *inv)',
    'int32_t ec_inventory_from_json(const char *json, size_t len, const void *alloc, _Out_ ec_inventory **out, void *err)',
    'int32_t ec_inventory_to_json(const ec_inventory *inv, _Out_ void **out, _Out_ size_t *out_len)',
    'int32_t ec_inventory_apply_json_view(ec_inventory *inv, const char *op, size_t len, _Out_ const char **out, _Out_ size_t *out_len, void *err)',
  ],
};
// Buffers the library malloc()s for the caller: read, then ec_free().
GROUPS.core.push('void ec_free(void *ptr)');

function fnName(proto) {
  return proto.match(/([A-Za-z_0-9]+)\(/)[1];
}

class Api {
  constructor(lib, where) {
    this.lib = lib;
    this.path = where;
    this.fn = {};
    this.groups = {};
    for (const [group, protos] of Object.entries(GROUPS)) {
      this.groups[group] = this.#declare(protos, group === 'core');
    }
    this.version = this.fn.ec_version_string();
    this.versionNumber = this.fn.ec_version_number();
    this.errorSize = Number(this.fn.ec_error_size());
    this.statusNames = [];
    // The table is append-only; "unknown" marks its end.
    for (let code = 0; code < 256; code++) {
      const name = this.fn.ec_status_name(code);
      if (name === 'unknown') break;
      this.statusNames.push(name);
    }
  }

  #declare(protos, required) {
    const found = {};
    for (const proto of protos) {
      try {
        found[fnName(proto)] = this.lib.func(proto);
      } catch (e) {
        if (required) throw new LibraryNotFoundError(`${this.path}: ${e.message}: not libecommerce?`);
        return false;
      }
    }
    Object.assign(this.fn, found);
    return true;
  }

  /** Whether the library provides a group of functions ("orders", ...). */
  has(group) {
    return this.groups[group] === true;
  }

  /** Throw when the library lacks a group. */
  require(group) {
    if (!this.has(group)) {
      throw new Error(`the libecommerce at ${this.path} (version ${this.version}) has no ${group} functions`);
    }
  }

  statusName(code) {
    return this.statusNames[code] ?? 'unknown';
  }
}

function buildTreeCandidate(start) {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'build', 'lib', SONAME);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

/** The paths or names tried, in order. */
export function candidates() {
  const explicit = process.env[ENV_VAR];
  if (explicit) return [explicit];
  const found = [];
  const inTree = buildTreeCandidate(path.dirname(here));
  if (inTree) found.push(inTree);
  const bundled = path.join(path.dirname(here), SONAME);
  if (existsSync(bundled)) found.push(bundled);
  found.push(SONAME, `/usr/local/lib/${SONAME}`, `/usr/lib/${SONAME}`);
  return [...new Set(found)];
}

function open(where) {
  const api = new Api(koffi.load(where), where);
  if (Math.floor(api.versionNumber / 10000) !== ABI_MAJOR) {
    throw new LibraryNotFoundError(`${where} is libecommerce ${api.version}; this package needs ${ABI_MAJOR}.x`);
  }
  return api;
}

function loadApi() {
  const problems = [];
  for (const where of candidates()) {
    try {
      return open(where);
    } catch (e) {
      problems.push(`  ${where}: ${e.message}`);
    }
  }
  throw new LibraryNotFoundError(
    `cannot load libecommerce; set ${ENV_VAR} to the path of ${SONAME}, build it (make) ` +
      `or install it (make install). Tried:\n${problems.join('\n')}`,
  );
}

/** The loaded library (loaded when this module is first imported). */
export const api = loadApi();
export const fn = api.fn;

// ---- per-isolate scratch ------------------------------------------------------

/** Error buffer of the library's size, reused by every call. */
export const errBuf = Buffer.alloc(api.errorSize);
/** Output slots for `_Out_` parameters. */
export const outSlot = [null];
export const lenSlot = [0];

/** The exception for what the last call wrote into errBuf. */
export function lastError(status) {
  let code = fn.ec_error_code(errBuf);
  if (code === 0) code = status; // a status without detail: still report it
  const field = fn.ec_error_field(errBuf) || null;
  const message = fn.ec_error_message(errBuf) || '';
  return makeError(api.statusName(code), field, message, {}, code);
}

/** Copy a malloc'd output buffer (pointer in outSlot) and ec_free() it. */
export function takeMalloced() {
  const ptr = outSlot[0];
  outSlot[0] = null;
  try {
    return koffi.decode(ptr, 'char', Number(lenSlot[0]));
  } finally {
    fn.ec_free(ptr);
  }
}

// ---- documents -------------------------------------------------------------------

/** A document as JSON text: objects are serialised, text and bytes pass. */
export function encode(doc, what) {
  if (typeof doc === 'string') return doc;
  if (doc instanceof Uint8Array) return Buffer.from(doc.buffer, doc.byteOffset, doc.byteLength).toString('utf8');
  if (doc !== null && typeof doc === 'object') return JSON.stringify(doc);
  throw new TypeError(`${what} must be an object or JSON text; got ${doc === null ? 'null' : typeof doc}`);
}

/** A document given inline, or as the path of a file (a URL, or a string
 * that does not start with "{"). */
export function readSource(source, what) {
  if (source instanceof URL) return readFileSync(source, 'utf8');
  if (typeof source === 'string' && !/^\s*[{[]/.test(source)) return readFileSync(source, 'utf8');
  return encode(source, what);
}

// ---- native handles --------------------------------------------------------------

// Frees what an object owned when it is collected without close().  The held
// value is a plain closure over pointers, never the object itself.
const registry = new FinalizationRegistry((free) => free());

/** One native object: freed once, by close() or when collected. */
export class Handle {
  #ptr;
  #free;
  constructor(owner, ptr, free, what) {
    this.#ptr = ptr;
    this.#free = free; // null for static objects (the default order machine)
    this.what = what;
    if (free) registry.register(owner, () => free(ptr), this);
  }

  get ptr() {
    if (this.#ptr === null) throw new Error(`the ${this.what} is closed`);
    return this.#ptr;
  }

  get closed() {
    return this.#ptr === null;
  }

  close() {
    if (this.#ptr === null) return;
    const ptr = this.#ptr;
    this.#ptr = null;
    if (this.#free) {
      registry.unregister(this);
      this.#free(ptr);
    }
  }
}

/** Call a `*_from_json(json, len, alloc, &out, err)` constructor. */
export function compile(name, source, what) {
  const text = readSource(source, what);
  const status = fn[name](text, Buffer.byteLength(text), null, outSlot, errBuf);
  const ptr = outSlot[0];
  outSlot[0] = null;
  if (status !== 0) throw lastError(status);
  return ptr;
}

/** Add Symbol.dispose (`using`) where the runtime has it. */
export function disposable(cls) {
  if (typeof Symbol.dispose === 'symbol') {
    cls.prototype[Symbol.dispose] = function dispose() {
      this.close();
    };
  }
}
