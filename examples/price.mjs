// price.mjs - pricing carts in a Node.js service, through the libecommerce package.
//
//   node examples/price.mjs               # start, price examples/cart.json over HTTP, stop
//   node examples/price.mjs --serve 8080  # keep serving: POST a cart to /price
//
// The service compiles the rules once at start-up; every request prices
// through the same Ruleset (JavaScript runs one request at a time per
// isolate; for more cores, run one Ruleset per worker or process).  A refused
// cart answers with the error document and an HTTP status chosen from its
// code.  In your own service, `npm install` the package and import it by name:
//   import { Ruleset, EcommerceError } from 'libecommerce';
// (wrappers/node needs `npm ci` once in a checkout, for koffi.)

import { readFileSync } from 'node:fs';
import http from 'node:http';

import { EcommerceError, Ruleset } from '../wrappers/node/index.js';

const RULES = new Ruleset(new URL('./rules.json', import.meta.url));

// Refusals are the client's problem (4xx); anything else is ours (500).
const HTTP_STATUS = { invalid_json: 400, payload_too_large: 413, limit_exceeded: 413, no_memory: 503, internal: 500, misuse: 500 };

/** POST /price: a cart document in, [HTTP status, response JSON] out.
 * priceJSON() hands back the library's document as text, so it is
 * forwarded without parsing and re-serialising it. */
export function handlePrice(body) {
  try {
    return [200, RULES.priceJSON(body)];
  } catch (e) {
    if (!(e instanceof EcommerceError)) throw e;
    return [HTTP_STATUS[e.code] ?? 422, JSON.stringify(e.toDocument())];
  }
}

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/price') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const [status, text] = handlePrice(Buffer.concat(chunks));
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
  });
});

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  return [res.status, await res.json()];
}

/** Serve on a free loopback port, price two carts through it, stop. */
async function demo() {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/price`;
  try {
    const [status, doc] = await post(url, readFileSync(new URL('./cart.json', import.meta.url)));
    console.log(`POST /price examples/cart.json -> ${status}`);
    for (const l of doc.lines) {
      console.log(`  ${l.sku.padEnd(8)} x${String(l.quantity).padEnd(3)} net ${l.net.padStart(8)}  total ${l.total.padStart(8)}`);
    }
    console.log(`  total ${doc.total} ${doc.currency} (tax ${doc.tax}, discount ${doc.discount})`);
    const bad = { currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'SHOE-1', quantity: 0 }] };
    const [badStatus, err] = await post(url, JSON.stringify(bad));
    console.log(`POST /price with quantity 0 -> ${badStatus} ${JSON.stringify(err)}`);
    return doc.total && badStatus === 422 ? 0 : 1;
  } finally {
    server.close();
    RULES.close();
  }
}

const i = process.argv.indexOf('--serve');
if (i < 0) {
  process.exitCode = await demo();
} else {
  const port = Number(process.argv[i + 1]);
  server.listen(port, '127.0.0.1', () => console.log(`pricing carts on http://127.0.0.1:${port}/price (Ctrl-C stops)`));
}
