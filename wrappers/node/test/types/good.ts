// good.ts - must type-check with `tsc --strict --noEmit` and no @types/node
// (test/types.test.js): every API with typed documents and with JSON text.
import {
  apply,
  createOrder,
  defaultMachine,
  EcommerceError,
  Inventory,
  OrderMachine,
  price,
  Ruleset,
  StockError,
  type ApplyResult,
  type Cart,
  type InventoryOperation,
  type Order,
  type PriceResult,
  type RulesetDocument,
} from 'libecommerce';

const rules: RulesetDocument = {
  currency: 'EUR',
  rounding: 'half_up',
  tax: [{ category: 'standard', country: '*', percent: '19' }],
  products: [{ sku: 'SHOE-1', prices: { EUR: '59.90', USD: '64.90' }, categories: ['shoes'] }],
  price_lists: [{ id: 'b2b', priority: 10, customer_groups: ['b2b'], prices: [{ sku: 'SHOE-1', price: '49.90', tiers: [{ min_quantity: 10, price: '45.00' }] }] }],
  promotions: [
    { id: 'BF', level: 'cart', stacking: 'stack', target: { categories: ['shoes'] }, action: { type: 'percent_off', percent: '10' }, max_discount: '30.00' },
    { id: 'B2G1', action: { type: 'buy_x_get_y', buy: 2, get: 1 }, coupon: null },
    { id: 'SHIP', action: { type: 'free_shipping' } },
  ],
  shipping: [{ id: 'standard', prices: { EUR: '4.90' }, free_over: '50.00', countries: ['DE'] }],
};
const cart: Cart = {
  currency: 'EUR',
  at: '2026-11-28T10:00:00Z',
  country: 'DE',
  lines: [{ sku: 'SHOE-1', quantity: 2 }],
  coupons: null,
  promotion_uses: { BF: 3 },
};

// `using` frees the ruleset at the end of the block (Symbol.dispose)
{
  using compiled = new Ruleset(rules);
  const result: PriceResult = compiled.price(cart);
  const total: string = result.total;
  const firstLine: string | null = result.lines[0].price_list;
  const text: string = compiled.priceJSON('{"currency": "EUR", "at": "2026-11-28T10:00:00Z", "lines": []}');
  void [total, firstLine, text, compiled.counts.promotions];
}
price(Ruleset.fromObject(rules), new Uint8Array([123, 125]));
price('{"currency": "EUR"}', cart);

const ops: InventoryOperation[] = [
  { op: 'set', sku: 'SHOE-1', location: 'berlin', on_hand: 5 },
  { op: 'reserve', id: 'res-1', lines: [{ sku: 'SHOE-1', quantity: 1 }], ttl_seconds: 900, at: '2026-11-28T10:00:00Z', strategy: 'single' },
  { op: 'commit', id: 'res-1', order: 'ord-1', at: '2026-11-28T10:01:00Z' },
  { op: 'available', sku: 'SHOE-1', at: '2026-11-28T10:02:00Z' },
];
const inventory = new Inventory({ stock: [], reservations: null });
for (const r of inventory.applyAll(ops)) {
  if (!r.ok && r.error) void r.error.code;
}
const left: number = inventory.available('SHOE-1', '2026-11-28T10:03:00Z').available;
inventory.close();

const machine = OrderMachine.default();
const initial: string = defaultMachine().initial;
try {
  const r: ApplyResult = apply('{"id": "ord-1"}', { id: 'evt-1', type: 'authorize', at: '2026-11-28T10:00:00Z', amount: '128.31' }, machine);
  void r.order.state;
} catch (e) {
  if (e instanceof StockError) void e.details;
  else if (e instanceof EcommerceError) void [e.code, e.field, e.toDocument().error.message];
}
const compiled = new Ruleset(rules);
const order: Order = createOrder(compiled, { currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'SHOE-1', quantity: 2 }] }, 'ord-2');
const due: string = order.payment.amount_due;
for (const e of apply(order, { id: 'evt-2', type: 'cancel', at: '2026-11-28T10:05:00Z', lines: [{ sku: 'SHOE-1', quantity: 1 }] }).effects) {
  if (e.type === 'refund_payment' || e.type === 'void_payment') void e.amount;
  else void e.lines[0].quantity;
}
compiled.close();
void [left, initial, due];
