// Inventory through the package: every conformance case, the same result
// lines as `ecom inventory apply`, and errors as exceptions.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { ConflictError, EcommerceError, InvalidInputError, Inventory, NotFoundError, StockError } from '../index.js';
import { ecomRun, loadCases, missingFeature, tempDir, writeJSON } from './support.js';

const skip = missingFeature('inventory', 'inventory.h');
const CASES = loadCases('inventory');
const AT = '2026-11-28T10:00:00Z';

/** The comparison rules of the conformance README; returns problems. */
function check(op, want, got) {
  const out = [];
  if (got.ok !== want.ok) return [`ok: want ${want.ok} got ${JSON.stringify(got)}`];
  if (!want.ok && got.error.code !== want.code) out.push(`code: want ${want.code} got ${got.error.code}`);
  if (!want.ok && !got.error.message) out.push('no message');
  if (op.op === 'available' && want.ok) {
    if (got.available !== want.available) out.push(`available: want ${want.available} got ${got.available}`);
    try {
      assert.deepEqual(got.locations, want.locations);
    } catch {
      out.push(`locations: want ${JSON.stringify(want.locations)} got ${JSON.stringify(got.locations)}`);
    }
  }
  if (op.op === 'reserve' && want.ok && got.duplicate !== want.duplicate) out.push(`duplicate: want ${want.duplicate}`);
  return out;
}

describe('inventory conformance', { skip }, () => {
  test('there are cases', () => {
    assert.ok(CASES.length > 10, `only ${CASES.length} cases`);
  });

  test('every case', () => {
    const failures = [];
    for (const c of CASES) {
      const inv = new Inventory(c.state);
      c.ops.forEach((op, i) => {
        let got;
        try {
          got = inv.apply(op);
        } catch (e) {
          if (!(e instanceof EcommerceError)) throw e;
          got = { ...e.toDocument(), ok: false };
        }
        for (const p of check(op, c.expected[i], got)) failures.push(`${c.name} op ${i} (${op.op}): ${p}`);
      });
      inv.close();
    }
    assert.deepEqual(failures, []);
  });

  test('same lines and state as ecom', () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const c of CASES) {
        const state = writeJSON(dir, 'state.json', c.state);
        const ops = path.join(dir, 'ops.jsonl');
        writeFileSync(ops, c.ops.map((op) => `${JSON.stringify(op)}\n`).join(''));
        const after = path.join(dir, 'after.json');
        const run = ecomRun(['inventory', 'apply', '--state', state, ops, '--state-out', after]);
        assert.ok([0, 3].includes(run.status), run.stderr);
        const inv = Inventory.fromFile(state);
        assert.deepEqual(c.ops.map((op) => inv.applyJSON(op)), run.stdout.split('\n').filter(Boolean), c.name);
        assert.deepEqual(inv.state(), JSON.parse(readFileSync(after, 'utf8')), c.name);
        inv.close();
      }
    } finally {
      cleanup();
    }
  });
});

describe('inventory', { skip }, () => {
  const fresh = () =>
    new Inventory({
      stock: [
        { sku: 'A', location: 'berlin', on_hand: 5 },
        { sku: 'A', location: 'hamburg', on_hand: 2 },
      ],
    });
  const reserve = (inv, id, quantity) =>
    inv.apply({ op: 'reserve', id, lines: [{ sku: 'A', quantity }], ttl_seconds: 900, at: AT });

  test('reserve, commit, ship', () => {
    const inv = fresh();
    const r = reserve(inv, 'r1', 6);
    assert.deepEqual(r.lines, [
      { sku: 'A', location: 'berlin', quantity: 5 },
      { sku: 'A', location: 'hamburg', quantity: 1 },
    ]);
    assert.equal(inv.available('A', AT).available, 1);
    assert.equal(reserve(inv, 'r1', 6).duplicate, true);
    inv.apply({ op: 'commit', id: 'r1', order: 'o-1', at: AT });
    inv.apply({ op: 'ship', id: 'r1' });
    const state = inv.state();
    assert.deepEqual(
      state.stock.map((s) => [s.location, s.on_hand]),
      [
        ['berlin', 0],
        ['hamburg', 1],
      ],
    );
    assert.equal(state.reservations[0].status, 'shipped');
    inv.close();
  });

  test('errors map to exceptions', () => {
    const inv = fresh();
    reserve(inv, 'r1', 6);
    assert.throws(() => reserve(inv, 'r2', 2), (e) => {
      assert.ok(e instanceof StockError);
      assert.equal(e.code, 'insufficient_stock');
      assert.deepEqual([e.details.sku, e.details.requested, e.details.available], ['A', 2, 1]);
      return true;
    });
    assert.throws(() => reserve(inv, 'r1', 1), (e) => e instanceof ConflictError && e.code === 'idempotency_conflict');
    assert.throws(() => inv.apply({ op: 'release', id: 'nope' }), NotFoundError);
    assert.throws(() => inv.apply({ op: 'teleport' }), (e) => e instanceof InvalidInputError && e.field === 'op');
    const doc = inv.apply({ op: 'release', id: 'nope' }, { throwOnError: false });
    assert.deepEqual([doc.ok, doc.error.code], [false, 'not_found']);
    assert.deepEqual(
      inv.applyAll([{ op: 'release', id: 'r1' }, { op: 'ship', id: 'r1' }]).map((x) => x.ok),
      [true, false],
    );
    inv.close();
  });

  test('sources, empty inventory and closing', () => {
    const empty = new Inventory();
    assert.deepEqual(empty.state(), { stock: [], reservations: [] });
    empty.apply({ op: 'set', sku: 'Z', location: 'x', on_hand: 3 });
    const text = empty.stateJSON();
    empty.close();
    for (const source of [text, Buffer.from(text), JSON.parse(text)]) {
      const inv = new Inventory(source);
      assert.equal(inv.available('Z', AT).available, 3);
      inv.close();
      assert.throws(() => inv.available('Z', AT), /closed/);
    }
    assert.throws(() => new Inventory({ stock: [{ sku: 'A' }] }), (e) => e.field.startsWith('stock[0]'));
  });
});
