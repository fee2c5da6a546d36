// Memory stays flat over a million calls through the boundary.
//
// The count is ECOMMERCE_FFI_MEMORY_CALLS (default 1,000,000 pricing calls,
// one in ten refused, plus rulesets compiled and closed, inventory and order
// calls in proportion).  RSS is read after a warm-up and at the end; a leak
// of a few dozen bytes per call would exceed the bound.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { EcommerceError, Inventory, Ruleset, apply, createOrderJSON, defaultMachine, hasFeature } from '../index.js';
import { EXAMPLES } from './support.js';

const CALLS = Number(process.env.ECOMMERCE_FFI_MEMORY_CALLS || 1000000);
const WARMUP = 50000;
const BOUND = 32 * 1024 * 1024; // bytes of RSS growth allowed (V8 heap and allocator noise)

test(`RSS stays flat over ${CALLS} calls`, () => {
  const rulesDoc = readFileSync(path.join(EXAMPLES, 'rules.json'), 'utf8');
  const rules = new Ruleset(rulesDoc);
  const good = JSON.stringify({ currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'SHOE-1', quantity: 1 }] });
  const bad = JSON.stringify({ currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'NOPE', quantity: 1 }] });

  const sideCalls = () => {
    new Ruleset(rulesDoc).close();
    if (hasFeature('inventory')) {
      const inv = new Inventory({ stock: [{ sku: 'A', location: 'x', on_hand: 5 }] });
      inv.apply({ op: 'available', sku: 'A', at: '2026-11-28T10:00:00Z' });
      inv.apply({ op: 'receive', sku: 'A', location: 'x', quantity: 0 }, { throwOnError: false });
      inv.stateJSON();
      inv.close();
    }
    if (hasFeature('orders')) {
      defaultMachine();
      const order = createOrderJSON(rules, good, 'o-1');
      const capture = { id: 'e1', type: 'capture', at: '2026-11-28T11:00:00Z' };
      apply(order, capture);
      try {
        apply(order, { ...capture, amount: '1000.00' });
      } catch (e) {
        if (!(e instanceof EcommerceError)) throw e;
      }
    }
  };

  const batch = (n) => {
    let refused = 0;
    for (let i = 0; i < n; i++) {
      if (i % 10 === 9) {
        try {
          rules.priceJSON(bad);
        } catch (e) {
          if (!(e instanceof EcommerceError)) throw e;
          refused++;
        }
      } else {
        rules.priceJSON(good);
      }
      if (i % 5000 === 0) sideCalls();
    }
    return refused;
  };

  batch(WARMUP);
  const before = process.memoryUsage.rss();
  const refused = batch(CALLS);
  const after = process.memoryUsage.rss();
  rules.close();
  assert.equal(refused, Math.floor(CALLS / 10));
  const growth = after - before;
  console.log(`memory: ${CALLS} calls, RSS ${before >> 20} MiB -> ${after >> 20} MiB (${Math.round(growth / 1024)} KiB)`);
  assert.ok(growth < BOUND, `RSS grew by ${growth} bytes over ${CALLS} calls`);
});

// Without close(), the FinalizationRegistry frees what a collected object
// owned.  Finalizers run after a collection, between turns of the event
// loop, so the loop yields and collects as a long-running service would.
test('unclosed rulesets are freed once collected', async () => {
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const doc = JSON.stringify({
    currency: 'EUR',
    products: Array.from({ length: 2000 }, (_, i) => ({ sku: `SKU-${i}`, prices: { EUR: '1.00' } })),
  });
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  new Ruleset(doc).priceJSON({ currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'SKU-1', quantity: 1 }] });
  await settle();
  const before = process.memoryUsage.rss();
  for (let i = 0; i < 300; i++) {
    new Ruleset(doc); // ~400 KiB of native memory each, never closed
    if (i % 20 === 19) await settle();
  }
  await settle();
  const growth = process.memoryUsage.rss() - before;
  assert.ok(growth < 40 * 1024 * 1024, `300 dropped rulesets kept ${growth} bytes`);
});
