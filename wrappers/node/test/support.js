// support.js - shared helpers of the package's tests: where things are, the
// conformance cases, strict JSON comparison and running ecom.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { hasFeature, libraryPath } from '../index.js';

export const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(PACKAGE_DIR, '..', '..');
export const CONFORMANCE = path.join(REPO, 'tests', 'conformance');
export const EXAMPLES = path.join(REPO, 'examples');

/** Every case of tests/conformance/<kind>/, sorted by file name. */
export function loadCases(kind) {
  const dir = path.join(CONFORMANCE, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(path.join(dir, f), 'utf8')) }));
}

function kind(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Differences between two JSON values, one "path: want X got Y" each. */
export function jsonDiff(want, got, at = '') {
  const here = at || '(document)';
  if (kind(want) !== kind(got)) return [`${here}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`];
  if (kind(want) === 'array') {
    const out = want.length === got.length ? [] : [`${here}: want ${want.length} elements got ${got.length}`];
    for (let i = 0; i < Math.min(want.length, got.length); i++) out.push(...jsonDiff(want[i], got[i], `${at}[${i}]`));
    return out;
  }
  if (kind(want) === 'object') {
    const out = [];
    for (const k of Object.keys(want)) {
      const sub = at ? `${at}.${k}` : k;
      if (!Object.hasOwn(got, k)) out.push(`${sub}: want ${JSON.stringify(want[k])} got (absent)`);
      else out.push(...jsonDiff(want[k], got[k], sub));
    }
    for (const k of Object.keys(got)) {
      if (!Object.hasOwn(want, k)) out.push(`${at ? `${at}.` : ''}${k}: unexpected ${JSON.stringify(got[k])}`);
    }
    return out;
  }
  return want === got ? [] : [`${here}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`];
}

/** The ecom under test: $ECOM, else the build tree's. */
export function ecomPath() {
  return process.env.ECOM || path.join(REPO, 'build', 'bin', 'ecom');
}

/** Run ecom; {status, stdout, stderr} as strings. */
export function ecomRun(args) {
  if (!existsSync(ecomPath())) throw new Error(`no ecom at ${ecomPath()}: build it (make) or set ECOM`);
  const r = spawnSync(ecomPath(), args, { encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary folder, removed by the returned cleanup function. */
export function tempDir() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ecommerce-node-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeJSON(dir, name, doc) {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/**
 * Skip while a module is not in the tree yet; fail once its header is there
 * but the library under test lacks it (a stale or broken build).  Returns
 * the skip reason, or false when the module is present.
 */
export function missingFeature(group, header) {
  if (hasFeature(group)) return false;
  if (existsSync(path.join(REPO, 'include', 'ecommerce', header))) {
    throw new Error(`include/ecommerce/${header} exists but ${libraryPath()} has no ${group} functions`);
  }
  return `no ${group} module in this tree yet`;
}

export const SAMPLE_CART = {
  currency: 'EUR',
  country: 'DE',
  at: '2026-11-28T10:00:00Z',
  lines: [
    { sku: 'SHOE-1', quantity: 2 },
    { sku: 'SOCK-3', quantity: 3 },
  ],
  shipping_method: 'standard',
};

export { execFileSync };
