// Pricing through the package: every conformance case, the same documents
// as ecom, every way of giving a ruleset or a cart, and errors.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import * as ec from '../index.js';
import { EcommerceError, InvalidInputError, PricingError, Ruleset } from '../index.js';
import { EXAMPLES, SAMPLE_CART, ecomRun, jsonDiff, loadCases, tempDir, writeJSON } from './support.js';

const CASES = loadCases('pricing');
const RULES_FILE = path.join(EXAMPLES, 'rules.json');

function priceCase(c) {
  let rules;
  try {
    rules = new Ruleset(c.rules);
    return { result: rules.price(c.cart) };
  } catch (e) {
    if (!(e instanceof EcommerceError)) throw e;
    return { error: e };
  } finally {
    rules?.close();
  }
}

describe('pricing conformance', () => {
  test('there are cases', () => {
    assert.ok(CASES.length > 100, `only ${CASES.length} cases`);
  });

  test('every case matches expected', () => {
    const failures = [];
    for (const c of CASES) {
      const { result, error } = priceCase(c);
      const want = c.expected.error;
      if (want) {
        if (!error) failures.push(`${c.name}: priced a cart the case expects refused`);
        else if (error.code !== want.code || error.field !== (want.field ?? null))
          failures.push(`${c.name}: want ${want.code} at ${want.field} got ${error.code} at ${error.field}`);
        else if (!error.message) failures.push(`${c.name}: no message`);
        else if (!(error instanceof ec.EcommerceError)) failures.push(`${c.name}: not an EcommerceError`);
      } else if (error) {
        failures.push(`${c.name}: refused: ${error}`);
      } else {
        const diff = jsonDiff(c.expected, result);
        if (diff.length) failures.push(`${c.name}:\n  ${diff.slice(0, 25).join('\n  ')}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  test('documents are the bytes ecom prints', () => {
    const { dir, cleanup } = tempDir();
    const failures = [];
    try {
      for (const c of CASES) {
        const rulesFile = writeJSON(dir, 'rules.json', c.rules);
        const cartFile = writeJSON(dir, 'cart.json', c.cart);
        const run = ecomRun(['cart', 'price', '--rules', rulesFile, cartFile]);
        const printed = run.stdout.replace(/\n$/, '');
        const mine = (() => {
          let rules;
          try {
            rules = new Ruleset(rulesFile);
            return { status: 0, text: rules.priceJSON(readFileSync(cartFile)) };
          } catch (e) {
            return { status: 1, text: JSON.stringify(e.toDocument()) };
          } finally {
            rules?.close();
          }
        })();
        if (mine.status !== run.status) failures.push(`${c.name}: exit ${run.status}, package status ${mine.status}`);
        else if (mine.status === 0 && mine.text !== printed) failures.push(`${c.name}: documents differ`);
        else if (mine.status === 1) {
          const diff = jsonDiff(JSON.parse(printed), JSON.parse(mine.text));
          if (diff.length) failures.push(`${c.name}: ${diff.join('; ')}`);
        }
      }
    } finally {
      cleanup();
    }
    assert.deepEqual(failures, []);
  });

  test('one ruleset reused gives identical documents', () => {
    // The ruleset's pricer is reused: nothing one cart leaves behind may
    // show in the next, so price each cart, another one, then it again.
    const priced = CASES.filter((x) => !x.expected.error);
    for (let i = 0; i < priced.length; i++) {
      const c = priced[i];
      const rules = new Ruleset(c.rules);
      try {
        const first = rules.priceJSON(c.cart);
        try {
          rules.priceJSON(priced[(i + 1) % priced.length].cart);
        } catch (e) {
          if (!(e instanceof EcommerceError)) throw e; // another case's cart may not fit these rules
        }
        assert.equal(rules.priceJSON(c.cart), first, c.name);
      } finally {
        rules.close();
      }
    }
  });
});

describe('inputs', () => {
  const rulesDoc = JSON.parse(readFileSync(RULES_FILE, 'utf8'));
  const want = new Ruleset(RULES_FILE).price(SAMPLE_CART);

  test('ruleset sources agree', () => {
    const sources = {
      object: () => new Ruleset(rulesDoc),
      'json string': () => new Ruleset(JSON.stringify(rulesDoc)),
      'json bytes': () => new Ruleset(Buffer.from(JSON.stringify(rulesDoc))),
      'Uint8Array': () => new Ruleset(new TextEncoder().encode(JSON.stringify(rulesDoc))),
      'path string': () => new Ruleset(RULES_FILE),
      URL: () => new Ruleset(new URL(`file://${RULES_FILE}`)),
      fromObject: () => Ruleset.fromObject(rulesDoc),
      fromJSON: () => Ruleset.fromJSON(JSON.stringify(rulesDoc)),
      fromFile: () => Ruleset.fromFile(RULES_FILE),
    };
    for (const [name, make] of Object.entries(sources)) {
      const rules = make();
      assert.deepEqual(rules.price(SAMPLE_CART), want, name);
      rules.close();
    }
  });

  test('cart forms agree', () => {
    const rules = new Ruleset(RULES_FILE);
    const text = JSON.stringify(SAMPLE_CART);
    assert.deepEqual(rules.price(text), want);
    assert.deepEqual(rules.price(Buffer.from(text)), want);
    assert.deepEqual(JSON.parse(rules.priceJSON(SAMPLE_CART)), want);
    rules.close();
  });

  test('result values', () => {
    assert.equal(want.currency, 'EUR');
    assert.deepEqual(want.lines.map((l) => l.sku), ['SHOE-1', 'SOCK-3']);
    assert.equal(typeof want.total, 'string');
    assert.equal(want.shipping.method, 'standard');
  });

  test('module-level price and introspection', () => {
    assert.deepEqual(ec.price(rulesDoc, SAMPLE_CART), want);
    const rules = new Ruleset(RULES_FILE);
    assert.deepEqual(ec.price(rules, SAMPLE_CART), want);
    assert.equal(rules.currency, 'EUR');
    assert.deepEqual(rules.counts, { products: 5, price_lists: 1, promotions: 5 });
    rules.close();
  });

  test('unicode survives the boundary', () => {
    const doc = { ...rulesDoc, products: [...rulesDoc.products, { sku: 'TÉ-🍵', prices: { EUR: '3.10' } }] };
    const rules = new Ruleset(doc);
    const r = rules.price({ id: 'café-1', currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'TÉ-🍵', quantity: 1 }] });
    assert.equal(r.id, 'café-1');
    assert.equal(r.lines[0].sku, 'TÉ-🍵');
    rules.close();
  });
});

describe('errors', () => {
  const rules = new Ruleset(RULES_FILE);

  test('invalid field carries its path', () => {
    assert.throws(
      () => rules.price({ ...SAMPLE_CART, lines: [{ sku: 'SHOE-1', quantity: 0 }] }),
      (e) => {
        assert.ok(e instanceof InvalidInputError);
        assert.ok(e instanceof EcommerceError);
        assert.equal(e.code, 'invalid_field');
        assert.equal(e.field, 'lines[0].quantity');
        assert.ok(e.message.length > 0);
        assert.equal(e.status, 2);
        assert.match(String(e), /lines\[0\]\.quantity/);
        assert.equal(e.toDocument().error.field, 'lines[0].quantity');
        return true;
      },
    );
  });

  test('invalid json has no field', () => {
    assert.throws(() => rules.price('{"currency": "EUR",'), (e) => {
      assert.ok(e instanceof InvalidInputError);
      assert.equal(e.code, 'invalid_json');
      assert.equal(e.field, null);
      assert.equal('field' in e.toDocument().error, false);
      return true;
    });
  });

  test('pricing family', () => {
    assert.throws(() => rules.price({ ...SAMPLE_CART, lines: [{ sku: 'NOPE', quantity: 1 }] }), (e) => {
      assert.ok(e instanceof PricingError);
      assert.deepEqual([e.code, e.field], ['no_price', 'lines[0].sku']);
      return true;
    });
    assert.throws(() => rules.price({ ...SAMPLE_CART, shipping_method: 'teleport' }), { code: 'unknown_shipping_method' });
  });

  test('bad rulesets', () => {
    assert.throws(
      () => new Ruleset({ currency: 'EUR', promotions: [{ id: 'X', action: { type: 'percent_off', percent: '120' } }] }),
      { code: 'invalid_field', field: 'promotions[0].action.percent' },
    );
    assert.throws(() => new Ruleset({ currency: 'EUR', bogus: 1 }), { code: 'invalid_field', field: 'bogus' });
    assert.throws(() => new Ruleset('{"currency": "XXX"}'), { code: 'unknown_currency' });
  });

  test('wrong JS types and missing files', () => {
    assert.throws(() => rules.price(42), TypeError);
    assert.throws(() => rules.price(null), TypeError);
    assert.throws(() => new Ruleset(3.5), TypeError);
    assert.throws(() => new Ruleset('no/such/rules.json'), { code: 'ENOENT' });
  });

  test('closed ruleset', () => {
    const r = new Ruleset(RULES_FILE);
    r.close();
    r.close();
    assert.equal(r.closed, true);
    assert.throws(() => r.price(SAMPLE_CART), /closed/);
  });

  test('library found and versioned', () => {
    assert.match(ec.libraryVersion(), /^0\.\d+\.\d+$/);
    assert.ok(ec.libraryPath().length > 0);
    assert.equal(ec.hasFeature('pricing'), true);
  });
});
