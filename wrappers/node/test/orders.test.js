// Orders through the package: checkout from a priced cart, capture on
// shipment, a cancel of the rest with its refund, returns with a fee and the
// value of a unit, refusals as exceptions naming the field, custom machines,
// the same bytes as `ecom order create` / `ecom order apply`, and order
// lives in workers.  Amounts are worked out by hand in the comments.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import * as ec from '../index.js';
import { ConflictError, EcommerceError, InvalidInputError, OrderMachine, PricingError, Ruleset } from '../index.js';
import { D3_CART, Life, SMALL_RULES, lines, orderLives } from './fixtures/order-worker.js';
import { EXAMPLES, REPO, ecomRun, jsonDiff, missingFeature, tempDir, writeJSON } from './support.js';

const skip = missingFeature('orders', 'order.h');
const RULES_FILE = path.join(EXAMPLES, 'rules.json');
const CART_FILE = path.join(EXAMPLES, 'cart.json');
const GOLDEN = path.join(REPO, 'tests', 'cli', 'order', 'created.json');
const cartText = () => readFileSync(CART_FILE, 'utf8');

const moneyOf = (o) => {
  const p = o.payment;
  return [o.balance, p.authorized, p.captured, p.refunded, p.amount_due, p.refund_due, p.status];
};

/** Run `fn`, which must throw an EcommerceError; return it. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EcommerceError, String(e));
    return e;
  }
  assert.fail('nothing was thrown');
}

describe('checkout', { skip }, () => {
  test('the order of the example cart', () => {
    const rules = new Ruleset(RULES_FILE);
    const order = ec.createOrder(rules, cartText(), 'ord-1');
    assert.deepEqual(jsonDiff(JSON.parse(readFileSync(GOLDEN, 'utf8')), order), []);
    assert.deepEqual([order.state, order.version, order.created_at, order.history], ['pending_payment', 1, '2026-11-28T10:00:00Z', []]);
    // the first line as checkout priced it: 2 x 59.90 less 16.02, 19% tax
    assert.deepEqual(order.lines[0], {
      sku: 'SHOE-1', quantity: 2, unit_price: '59.90', subtotal: '119.80', discount: '16.02',
      net: '103.78', tax: '19.72', total: '123.50', fulfilled: 0, canceled: 0, returned: 0,
    });
    assert.deepEqual(order.shipping, { method: 'express', total: '15.35', tax: '2.45', returned: false });
    assert.deepEqual([order.subtotal, order.discount, order.tax, order.total], ['150.37', '21.97', '26.85', '168.15']);
    assert.deepEqual(moneyOf(order), ['168.15', '0.00', '0.00', '0.00', '168.15', '0.00', 'unpaid']);
    assert.deepEqual([order.coupons, order.fulfillment], [['welcome5'], 'unfulfilled']);
    rules.close();
  });

  test('lines keep the priced amounts', () => {
    const rules = new Ruleset(RULES_FILE);
    const priced = rules.price(cartText());
    const order = ec.createOrder(rules, cartText(), 'ord-1');
    const keys = ['sku', 'quantity', 'unit_price', 'subtotal', 'discount', 'net', 'tax', 'total'];
    const pick = (l) => Object.fromEntries(keys.map((k) => [k, l[k]]));
    assert.deepEqual(order.lines.map(pick), priced.lines.map(pick));
    for (const k of ['subtotal', 'discount', 'tax', 'total', 'currency']) assert.equal(order[k], priced[k], k);
    const applied = priced.promotions.filter((p) => p.applied && p.amount !== '0.00').map((p) => ({ id: p.id, amount: p.amount }));
    assert.deepEqual(order.promotions, applied);
    rules.close();
  });

  test('a generated id, and rulesets given as sources', () => {
    const rules = new Ruleset(RULES_FILE);
    const a = ec.createOrder(rules, cartText());
    const b = ec.createOrder(RULES_FILE, JSON.parse(cartText()));
    for (const o of [a, b]) assert.match(o.id, /^ord_[0-9a-f]{32}$/);
    assert.notEqual(a.id, b.id);
    assert.match(ec.newOrderId(), /^ord_[0-9a-f]{32}$/);
    rules.close();
  });

  test('refusals', () => {
    const rules = new Ruleset(RULES_FILE);
    const unknown = { currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'NOPE', quantity: 1 }] };
    let e = thrown(() => ec.createOrder(rules, unknown, 'o'));
    assert.ok(e instanceof PricingError);
    assert.deepEqual([e.code, e.field], ['no_price', 'lines[0].sku']);
    for (const bad of ['', 'a\nb', 'a\0b', 'x'.repeat(129)]) {
      e = thrown(() => ec.createOrder(rules, cartText(), bad));
      assert.ok(e instanceof InvalidInputError, JSON.stringify(bad));
      assert.deepEqual([e.code, e.field], ['invalid_field', 'id']);
    }
    assert.equal(thrown(() => ec.createOrder(rules, '{', 'o')).code, 'invalid_json');
    assert.throws(() => ec.createOrder(rules, cartText(), 7), TypeError);
    rules.close();
    assert.throws(() => ec.createOrder(rules, cartText(), 'o'), /closed/);
  });

  test('same bytes as ecom order create', () => {
    const rules = new Ruleset(RULES_FILE);
    let run = ecomRun(['order', 'create', '--rules', RULES_FILE, '--id', 'ord-1', CART_FILE]);
    assert.equal(run.status, 0, run.stderr);
    const text = ec.createOrderJSON(rules, cartText(), 'ord-1');
    assert.equal(text, run.stdout.replace(/\n$/, ''));
    assert.equal(text, readFileSync(GOLDEN, 'utf8').replace(/\n$/, ''));
    const { dir, cleanup } = tempDir();
    try {
      const bad = { currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'NOPE', quantity: 1 }] };
      run = ecomRun(['order', 'create', '--rules', RULES_FILE, '--id', 'o', writeJSON(dir, 'bad.json', bad)]);
      assert.equal(run.status, 1);
      assert.deepEqual(thrown(() => ec.createOrder(rules, bad, 'o')).toDocument(), JSON.parse(run.stdout));
    } finally {
      cleanup();
      rules.close();
    }
  });
});

describe('events', { skip }, () => {
  const newLife = () => {
    const rules = new Ruleset(RULES_FILE);
    try {
      return new Life(ec.createOrder(rules, cartText(), 'ord-1'));
    } finally {
      rules.close();
    }
  };

  test('capture on shipment, then cancel the rest', () => {
    const life = newLife();
    let r = life.apply('authorize', { amount: '168.15' });
    assert.deepEqual([r.order.state, r.effects, r.duplicate], ['processing', [], false]);
    assert.deepEqual(moneyOf(r.order), ['168.15', '168.15', '0.00', '0.00', '168.15', '0.00', 'authorized']);
    // ship the shoes, capture what shipped: 123.50 + 15.35 shipping
    r = life.apply('fulfill', { lines: lines(['SHOE-1', 2]) });
    assert.deepEqual(r.effects, [{ type: 'ship_stock', lines: lines(['SHOE-1', 2]) }]);
    assert.equal(r.order.fulfillment, 'partially_fulfilled');
    r = life.apply('capture', { amount: '138.85' });
    assert.deepEqual(moneyOf(r.order), ['168.15', '168.15', '138.85', '0.00', '29.30', '0.00', 'partially_paid']);
    // the socks (11.44) and the hat (17.86) are canceled: 29.30 of the
    // authorization is released
    r = life.apply('cancel');
    assert.deepEqual(r.effects, [
      { type: 'release_stock', lines: lines(['SOCK-3', 3], ['HAT-5', 1]) },
      { type: 'void_payment', amount: '29.30' },
    ]);
    assert.deepEqual(moneyOf(r.order), ['138.85', '168.15', '138.85', '0.00', '0.00', '0.00', 'paid']);
    assert.deepEqual([r.order.state, r.order.fulfillment], ['processing', 'fulfilled']);
    assert.equal(life.apply('void').order.payment.authorized, '138.85');
    assert.equal(life.apply('deliver').order.state, 'delivered');
    // one shoe back with a 5.00 fee: floor(123.50 * 1 / 2) = 61.75 - 5.00
    r = life.apply('return', { lines: lines(['SHOE-1', 1]), fee: '5.00' });
    assert.deepEqual(r.effects, [
      { type: 'restock', lines: lines(['SHOE-1', 1]) },
      { type: 'refund_payment', amount: '56.75' },
    ]);
    assert.deepEqual(moneyOf(r.order), ['82.10', '138.85', '138.85', '0.00', '0.00', '56.75', 'refund_due']);
    r = life.apply('refund');
    assert.deepEqual(moneyOf(r.order), ['82.10', '138.85', '138.85', '56.75', '0.00', '0.00', 'paid']);
    r = life.apply('complete');
    assert.deepEqual([r.order.state, r.order.version], ['completed', 10]);
    assert.deepEqual(
      r.order.history.map((h) => h.event),
      ['authorize', 'fulfill', 'capture', 'cancel', 'void', 'deliver', 'return', 'refund', 'complete'],
    );
  });

  test('a cancel of the rest after a sale raises a refund', () => {
    const life = newLife();
    let r = life.apply('capture'); // no authorization open: a sale of what is due
    assert.deepEqual(moneyOf(r.order), ['168.15', '168.15', '168.15', '0.00', '0.00', '0.00', 'paid']);
    life.apply('fulfill', { lines: lines(['SHOE-1', 2]) });
    r = life.apply('cancel');
    assert.deepEqual(r.effects, [
      { type: 'release_stock', lines: lines(['SOCK-3', 3], ['HAT-5', 1]) },
      { type: 'refund_payment', amount: '29.30' },
    ]);
    assert.deepEqual(moneyOf(r.order), ['138.85', '168.15', '168.15', '0.00', '0.00', '29.30', 'refund_due']);
    assert.deepEqual(r.order.lines.map((l) => l.canceled), [0, 3, 1]);
    r = life.apply('refund', { amount: '29.30' });
    assert.deepEqual([r.effects, r.order.payment.status], [[], 'paid']);
  });

  test('units returned one by one give back the line total', () => {
    // 10.00 for 3 units: 3.33, 3.33, then 3.34 with the 4.90 shipping
    const life = new Life(ec.createOrder(SMALL_RULES, D3_CART, 'o-3'));
    assert.equal(life.order.total, '14.90');
    life.apply('capture');
    life.apply('fulfill', { lines: lines(['D', 3]) });
    const refunds = [];
    for (let i = 0; i < 3; i++) {
      const r = life.apply('return', { lines: lines(['D', 1]), ...(i === 2 ? { shipping: true } : {}) });
      refunds.push(r.effects.at(-1).amount);
      life.apply('refund');
    }
    assert.deepEqual(refunds, ['3.33', '3.33', '8.24']);
    assert.deepEqual(moneyOf(life.order), ['0.00', '14.90', '14.90', '14.90', '0.00', '0.00', 'refunded']);
    assert.equal(life.order.shipping.returned, true);
  });

  test('a duplicate event changes nothing', () => {
    const life = newLife();
    const ev = life.event('authorize', { amount: '100.00' });
    const first = ec.apply(life.order, ev);
    const again = ec.apply(first.order, ev);
    assert.deepEqual([again.duplicate, again.effects], [true, []]);
    assert.deepEqual(again.order, first.order);
  });

  test('refusals name the field', () => {
    const life = newLife();
    life.apply('authorize', { amount: '100.00' });
    const cases = [
      [['capture', { amount: '200.00' }], 'amount'], // beyond the 168.15 due
      [['capture', { amount: '100.01' }], 'amount'], // beyond the authorization
      [['authorize', { amount: '68.16' }], 'amount'], // 100.00 + 68.16 > 168.15
      [['authorize', { amount: '0.00' }], 'amount'],
      [['fulfill', { lines: lines(['SHOE-1', 3]) }], 'lines[0].quantity'],
      [['fulfill', { lines: lines(['NOPE', 1]) }], 'lines[0].sku'],
      [['fulfill', {}], 'lines'],
      [['fulfill', { lines: lines(['HAT-5', 1]), amount: '1.00' }], 'amount'],
      [['cancel', { fee: '1.00' }], 'fee'],
      [['return', { lines: lines(['SHOE-1', 1]) }], 'lines[0].quantity'], // nothing shipped
      [['refund', {}], 'amount'], // nothing due
    ];
    for (const [[type, fields], field] of cases) {
      const e = life.refused(type, fields);
      assert.ok(e instanceof InvalidInputError, `${type} ${JSON.stringify(fields)}`);
      assert.deepEqual([e.code, e.field], ['invalid_field', field], `${type} ${JSON.stringify(fields)}: ${e.message}`);
    }
    life.apply('fulfill', { lines: lines(['HAT-5', 1]) });
    let e = life.refused('return', { lines: lines(['HAT-5', 1]), fee: '17.87' }); // the hat is worth 17.86
    assert.deepEqual([e.code, e.field], ['invalid_field', 'fee']);
    e = life.refused('deliver');
    assert.ok(e instanceof ConflictError);
    assert.deepEqual([e.code, e.field], ['invalid_transition', null]);
    assert.match(e.message, /all_lines_fulfilled/);
    e = life.refused('complete');
    assert.match(e.message, /allowed: authorize, capture, void/);
    e = life.refused('capture', { expected_version: 1 });
    assert.deepEqual([e.code, e.field], ['version_conflict', 'expected_version']);
    life.apply('void');
    e = life.refused('void'); // no authorization open: no single field at fault
    assert.deepEqual([e.code, e.field], ['invalid_field', null]);
  });

  test('order documents are validated', () => {
    const life = newLife();
    const tampered = structuredClone(life.order);
    tampered.lines[0].net = '103.77';
    assert.equal(thrown(() => ec.apply(tampered, life.event('capture'))).field, 'order.lines[0].net');
    assert.equal(thrown(() => ec.apply({ ...life.order, balance: '1.00' }, life.event('capture'))).field, 'order.balance');
    assert.equal(thrown(() => ec.apply(life.order, '{not json')).code, 'invalid_json');
    // money is a string
    assert.equal(thrown(() => ec.apply(life.order, life.event('capture', { amount: 168.15 }))).field, 'amount');
  });

  test("the caller's order is not modified", () => {
    const life = newLife();
    const snapshot = JSON.stringify(life.order);
    ec.apply(life.order, life.event('capture'));
    assert.equal(JSON.stringify(life.order), snapshot);
  });

  test('same bytes as ecom order apply', () => {
    const life = newLife();
    life.apply('capture');
    const ev = life.event('fulfill', { lines: lines(['SHOE-1', 1]) });
    const { dir, cleanup } = tempDir();
    try {
      const o = writeJSON(dir, 'order.json', life.order);
      let run = ecomRun(['order', 'apply', '--order', o, writeJSON(dir, 'e.json', ev)]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(OrderMachine.default().applyJSON(life.order, ev), run.stdout.replace(/\n$/, ''));
      const bad = life.event('refund', { amount: '168.16' });
      run = ecomRun(['order', 'apply', '--order', o, writeJSON(dir, 'bad.json', bad)]);
      assert.equal(run.status, 1);
      const e = thrown(() => ec.apply(life.order, bad));
      assert.deepEqual(e.toDocument(), JSON.parse(run.stdout));
      assert.equal(e.field, 'amount');
    } finally {
      cleanup();
    }
  });
});

describe('machines', { skip }, () => {
  test('the default machine is what ecom prints', () => {
    const doc = ec.defaultMachine();
    assert.deepEqual([doc.initial, doc.final], ['pending_payment', ['completed']]);
    assert.equal(doc.transitions.length, 25);
    assert.doesNotMatch(JSON.stringify(doc), /effects/);
    const run = ecomRun(['order', 'machine']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(OrderMachine.default().toJSONString(), run.stdout.replace(/\n$/, ''));
  });

  test('a custom machine', () => {
    const doc = {
      initial: 'new',
      transitions: [
        { from: ['new'], event: 'capture', to: 'paid', guard: 'amount_covers_total' },
        { from: ['paid'], event: 'fulfill', to: 'shipped', guard: 'all_lines_fulfilled' },
      ],
      final: ['shipped'],
    };
    const machine = new OrderMachine(doc);
    assert.deepEqual(machine.toObject(), doc);
    const order = { ...ec.createOrder(SMALL_RULES, D3_CART, 'o-3'), state: 'new' };
    const life = new Life(order, machine);
    // the guard: a capture that leaves something due is not enough
    let e = life.refused('capture', { amount: '10.00' });
    assert.equal(e.code, 'invalid_transition');
    assert.match(e.message, /amount_covers_total/);
    life.apply('capture');
    assert.match(life.refused('fulfill', { lines: lines(['D', 1]) }).message, /all_lines_fulfilled/);
    const r = life.apply('fulfill', { lines: lines(['D', 3]) });
    // the money and units rules are the library's in any machine
    assert.deepEqual([r.order.state, r.effects], ['shipped', [{ type: 'ship_stock', lines: lines(['D', 3]) }]]);
    e = life.refused('refund', { amount: '1.00' });
    assert.match(e.message, /none \(shipped is final\)/);
    for (const m of [OrderMachine.fromJSON(JSON.stringify(doc)), OrderMachine.fromObject(doc)]) {
      assert.deepEqual(m.toObject(), doc);
      m.close();
    }
    machine.close();
    assert.equal(machine.closed, true);
    assert.throws(() => machine.apply(order, life.event('capture')), /closed/);
  });

  test('the printed default loads as a custom machine', () => {
    const custom = new OrderMachine(OrderMachine.default().toJSONString());
    assert.equal(custom.toJSONString(), OrderMachine.default().toJSONString());
    const order = ec.createOrder(SMALL_RULES, D3_CART, 'o-3');
    const ev = new Life(order).event('capture', { amount: '4.90' });
    assert.equal(custom.applyJSON(order, ev), OrderMachine.default().applyJSON(order, ev));
    custom.close();
  });

  test('invalid machines name the field', () => {
    const bad = { initial: 'new', transitions: [{ from: ['new'], event: 'go', to: 'x', guard: 'nope' }] };
    assert.equal(thrown(() => new OrderMachine(bad)).field, 'transitions[0].guard');
    const withEffects = {
      initial: 'new',
      transitions: [{ from: ['new'], event: 'fulfill', to: 'shipped', effects: ['ship_stock'] }],
    };
    const e = thrown(() => new OrderMachine(withEffects));
    assert.ok(e instanceof InvalidInputError);
    assert.equal(e.field, 'transitions[0].effects[0]');
    assert.match(e.message, /follow from the event/);
  });

  test('closing the default machine is harmless', () => {
    OrderMachine.default().close();
    assert.equal(OrderMachine.default().toObject().initial, 'pending_payment');
  });
});

describe('workers', { skip }, () => {
  const runWorker = (ids) =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL('./fixtures/order-worker.js', import.meta.url), { workerData: { ids } });
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
    });

  test('order lives in 4 workers agree with the main thread', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => i);
    const single = orderLives(ids);
    const shares = [0, 1, 2, 3].map((w) => ids.filter((i) => i % 4 === w));
    const results = (await Promise.all(shares.map(runWorker))).flat().sort((a, b) => a[0] - b[0]);
    assert.deepEqual(results, single);
    const [last] = JSON.parse(single.at(-1)[1]);
    assert.deepEqual([last.id, last.state, last.payment.status], ['o-199', 'delivered', 'paid']);
  });
});
