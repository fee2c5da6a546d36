// misspelt.ts - each line marked "@error" must be a tsc error, and no other
// line (test/types.test.js): the declarations catch what the library would
// refuse at run time.
import { apply, Inventory, Ruleset } from 'libecommerce';

const rules = new Ruleset({ currency: 'EUR' });
rules.price({ currncy: 'EUR', at: '2026-11-28T10:00:00Z', lines: [] }); // @error misspelt key
rules.price({ currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [{ sku: 'A', qty: 1 }] }); // @error misspelt line key
rules.price({ currency: 'EUR', lines: [] }); // @error missing key
rules.price({ currency: 'EUR', at: '2026-11-28T10:00:00Z', lines: [], coupons: 'WELCOME' }); // @error a string for a list
rules.price(42); // @error not a document
new Ruleset({ currency: 'EUR', promotion: [] }); // @error misspelt ruleset key
new Ruleset({ currency: 'EUR', promotions: [{ id: 'P', action: { type: 'percent_off', percnt: '10' } }] }); // @error misspelt action key
new Ruleset({ currency: 'EUR', promotions: [{ id: 'P', stacking: 'stacked', action: { type: 'free_shipping' } }] }); // @error unknown enum value
new Ruleset({ currency: 'EUR', products: [{ sku: 'A', prices: 5 }] }); // @error money as a number
new Inventory().apply({ op: 'reserve', id: 'r', lines: [], ttl: 60, at: '2026-11-28T10:00:00Z' }); // @error misspelt operation key
new Inventory().apply({ op: 'restock', sku: 'A' }); // @error unknown operation
apply('{}', { id: 'e', typ: 'authorize', at: '2026-11-28T10:00:00Z' }); // @error misspelt event key
apply('{}', { id: 'e', type: 'capture', at: '2026-11-28T10:00:00Z', amount: 12.5 }); // @error money as a number
