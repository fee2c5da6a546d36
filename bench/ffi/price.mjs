// price.mjs - the Node figures of bench/ffi.sh.
//
// Usage: node price.mjs RULES CARTS.jsonl ROUNDS
//
// Prices every cart ROUNDS times through the libecommerce package, after
// one warm-up round, in two ways, and prints one line each:
//   "node-text <carts> <seconds> <bytes>"  priceJSON(string): the request
//                                          body in, the document text out
//   "node-obj <carts> <seconds> <bytes>"   price(object) -> object:
//                                          JSON.stringify and JSON.parse included

import { readFileSync } from 'node:fs';

import { Ruleset } from '../../wrappers/node/index.js';

function timed(fn, carts, rounds) {
  for (const c of carts) fn(c); // warm-up: the pricer grows, the JIT settles
  let out = 0;
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const c of carts) out += fn(c);
  return [carts.length * rounds, Number(process.hrtime.bigint() - t0) / 1e9, out];
}

const [rulesPath, cartsPath, rounds] = process.argv.slice(2);
const rules = new Ruleset(readFileSync(rulesPath, 'utf8'));
const text = readFileSync(cartsPath, 'utf8').split('\n').filter(Boolean);
const objects = text.map((t) => JSON.parse(t));
let [n, secs, size] = timed((c) => rules.priceJSON(c).length, text, Number(rounds));
console.log(`node-text ${n} ${secs.toFixed(6)} ${size}`);
[n, secs, size] = timed((c) => rules.price(c).lines.length, objects, Number(rounds));
console.log(`node-obj ${n} ${secs.toFixed(6)} ${size}`);
rules.close();
