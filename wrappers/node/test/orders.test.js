// Orders through the package: the default machine, a custom machine, events
// that move an order, errors as exceptions, and the same bytes as ecom.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import * as ec from '../index.js';
import { ConflictError, EcommerceError, InvalidInputError, OrderMachine } from '../index.js';
import { ecomRun, missingFeature, tempDir, writeJSON } from './support.js';

const skip = missingFeature('orders', 'order.h');
const AT = '2026-11-28T10:00:00Z';

const newOrder = (changes = {}) => ({
  id: 'o-1',
  state: 'pending_payment',
  version: 0,
  currency: 'EUR',
  total: '30.00',
  lines: [
    { sku: 'A', quantity: 2 },
    { sku: 'B', quantity: 1 },
  ],
  ...changes,
});
const event = (id, type, fields = {}) => ({ id, type, at: AT, ...fields });

describe('orders', { skip }, () => {
  test('default machine document is what ecom prints', () => {
    const doc = ec.defaultMachine();
    assert.equal(doc.initial, 'pending_payment');
    const events = new Set(doc.transitions.map((t) => t.event));
    for (const e of ['authorize', 'capture', 'fulfill', 'cancel', 'refund']) assert.ok(events.has(e), e);
    const run = ecomRun(['order', 'machine']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(OrderMachine.default().toJSONString(), run.stdout.replace(/\n$/, ''));
  });

  test('happy path with effects', () => {
    let order = newOrder();
    const steps = [
      [event('e1', 'capture', { amount: '30.00' }), 'paid', []],
      [event('e2', 'fulfill', { lines: [{ sku: 'A', quantity: 1 }] }), 'partially_fulfilled', ['ship_stock']],
      [event('e3', 'fulfill', { lines: [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }] }), 'fulfilled', ['ship_stock']],
      [event('e4', 'deliver'), 'delivered', []],
    ];
    steps.forEach(([ev, state, effects], i) => {
      const r = ec.apply(order, ev);
      assert.equal(r.order.state, state);
      assert.equal(r.order.version, i + 1);
      assert.deepEqual(r.effects, effects);
      assert.equal(r.duplicate, false);
      order = r.order;
    });
    assert.deepEqual(order.history.map((h) => h.event_id), ['e1', 'e2', 'e3', 'e4']);
    assert.equal(order.payment.captured, '30.00');
  });

  test('duplicate event changes nothing', () => {
    const first = ec.apply(newOrder(), event('e1', 'authorize', { amount: '30.00' }));
    const again = ec.apply(first.order, event('e1', 'authorize', { amount: '30.00' }));
    assert.equal(again.duplicate, true);
    assert.deepEqual(again.effects, []);
    assert.deepEqual(again.order, first.order);
  });

  test('errors map to exceptions', () => {
    const order = newOrder();
    assert.throws(() => ec.apply(order, event('e1', 'deliver')), (e) => {
      assert.ok(e instanceof ConflictError);
      assert.equal(e.code, 'invalid_transition');
      assert.match(e.message, /authorize/);
      return true;
    });
    assert.throws(() => ec.apply(order, event('e1', 'authorize', { amount: '30.00', expected_version: 3 })), {
      code: 'version_conflict',
      field: 'expected_version',
    });
    const paid = ec.apply(order, event('e1', 'capture', { amount: '30.00' })).order;
    assert.throws(() => ec.apply(paid, event('e2', 'fulfill', { lines: [{ sku: 'A', quantity: 5 }] })), (e) => {
      assert.ok(e instanceof InvalidInputError);
      assert.equal(e.field, 'lines[0].quantity');
      return true;
    });
    assert.throws(() => ec.apply({ ...order, lines: [{ sku: 'A' }] }, event('e1', 'authorize')), (e) => {
      assert.ok(e.field.startsWith('order.'), e.field);
      return true;
    });
    assert.throws(() => ec.apply(order, '{not json'), { code: 'invalid_json' });
  });

  test("the caller's order is not modified", () => {
    const order = newOrder();
    const snapshot = JSON.stringify(order);
    ec.apply(order, event('e1', 'authorize', { amount: '30.00' }));
    assert.equal(JSON.stringify(order), snapshot);
  });

  test('custom machine', () => {
    const doc = {
      initial: 'new',
      transitions: [
        { from: ['new'], event: 'approve', to: 'approved' },
        { from: ['approved'], event: 'ship', to: 'shipped', effects: ['ship_stock'] },
      ],
    };
    const machine = new OrderMachine(doc);
    assert.equal(machine.toObject().initial, 'new');
    let r = machine.apply(newOrder({ state: 'new' }), event('e1', 'approve'));
    assert.equal(r.order.state, 'approved');
    r = ec.apply(r.order, event('e2', 'ship'), machine);
    assert.deepEqual([r.order.state, r.effects], ['shipped', ['ship_stock']]);
    assert.throws(() => machine.apply(newOrder({ state: 'new' }), event('e1', 'authorize')), ConflictError);
    for (const m of [OrderMachine.fromJSON(JSON.stringify(doc)), OrderMachine.fromObject(doc)]) {
      assert.deepEqual(m.toObject(), machine.toObject());
      m.close();
    }
    machine.close();
    assert.equal(machine.closed, true);
    assert.throws(() => machine.apply(newOrder({ state: 'new' }), event('e1', 'approve')), /closed/);
  });

  test('invalid machine names the field', () => {
    const bad = { initial: 'new', transitions: [{ from: ['new'], event: 'go', to: 'x', guard: 'nope' }] };
    assert.throws(() => new OrderMachine(bad), (e) => {
      assert.ok(e instanceof EcommerceError);
      assert.equal(e.field, 'transitions[0].guard');
      return true;
    });
  });

  test('closing the default machine is harmless', () => {
    OrderMachine.default().close();
    assert.equal(OrderMachine.default().toObject().initial, 'pending_payment');
  });

  test('same bytes as ecom', () => {
    const { dir, cleanup } = tempDir();
    try {
      const order = newOrder();
      const ev = event('e1', 'capture', { amount: '30.00' });
      const o = writeJSON(dir, 'order.json', order);
      let run = ecomRun(['order', 'apply', '--order', o, writeJSON(dir, 'event.json', ev)]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(OrderMachine.default().applyJSON(order, ev), run.stdout.replace(/\n$/, ''));
      run = ecomRun(['order', 'apply', '--order', o, writeJSON(dir, 'bad.json', event('e1', 'deliver'))]);
      assert.equal(run.status, 1);
      assert.throws(() => ec.apply(order, event('e1', 'deliver')), (e) => {
        assert.deepEqual(e.toDocument(), JSON.parse(run.stdout));
        return true;
      });
    } finally {
      cleanup();
    }
  });
});
