/* tax.c - the shipping method and its fee, the tax entry of every item,
 * the taxed items (tax_items.c computes their amounts), exemptions, the
 * taxes summary and the cart's totals. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

ec_status ec__price_shipping_method(ec__pricing *pc)
{
    const ec__str *m = &pc->cart->shipping_method;
    const ec_ruleset *rs = pc->rs;
    if (!m->p) return EC_OK;
    for (uint32_t i = 0; i < rs->nshipping; i++) {
        const ec__shipping *s = &rs->shipping[i];
        if (s->id.n != m->n || memcmp(s->id.p, m->p, m->n) != 0) continue;
        EC_FAIL_IF(!ec__symset_has(&s->countries, pc->country), pc->err, EC_SHIPPING_UNAVAILABLE,
                   "shipping_method", "shipping method \"%s\" does not serve this country", m->p);
        EC_FAIL_IF(!ec__money_in(&s->prices, pc->cur, &pc->ship_price), pc->err, EC_NO_PRICE,
                   "shipping_method", "shipping method \"%s\" has no price in %s", m->p,
                   ec_currency_code(pc->cur));
        pc->ship = s;
        return EC_OK;
    }
    return ec__fail(pc->err, EC_UNKNOWN_SHIPPING_METHOD, "shipping_method",
                    "no shipping method \"%s\"", m->p);
}

/* ---- which entry taxes an item ------------------------------------------------------ */

static uint32_t symbol_of(const ec_ruleset *rs, const ec__str *s)
{
    return s->p ? ec__ruleset_lookup_symbol(rs, s->p, s->n) : EC__SYM_NONE;
}

/* The cart's country, region, tax class and normalised postal code. */
static void find_place(ec__pricing *pc)
{
    const ec_cart *c = pc->cart;
    ec__tax_place *pl = &pc->place;
    pl->country = pc->country;
    pl->region = symbol_of(pc->rs, &c->region);
    pl->tax_class = symbol_of(pc->rs, &c->tax_class);
    pl->npostal =
        c->postal_code.p ? ec__postal_normalize(pl->postal, c->postal_code.p, c->postal_code.n) : 0;
    pc->ncached = 0;
}

/* The entry for a category, remembered for the cart's other items. */
static const ec__tax_entry *entry_for(ec__pricing *pc, uint32_t cat)
{
    for (uint32_t k = 0; k < pc->ncached; k++)
        if (pc->cached_cat[k] == cat) return pc->cached[k];
    const ec__tax_entry *e = ec__tax_find(pc->rs, &pc->place, cat);
    if (pc->ncached < EC__TAX_CACHE) {
        pc->cached_cat[pc->ncached] = cat;
        pc->cached[pc->ncached++] = e;
    }
    return e;
}

ec_status ec__price_tax_rates(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    if (pc->rs->ntaxes == 0) return EC_OK; /* every tax is zero */
    find_place(pc);
    for (uint32_t i = 0; i < r->nlines; i++) {
        ec__line_result *l = &r->lines[i];
        if ((l->tax_entry = entry_for(pc, l->tax_cat))) {
            l->tax_percent = l->tax_entry->percent;
            continue;
        }
        ec__fail(pc->err, EC_NO_TAX_RATE, NULL, "no tax rate for SKU \"%s\" in this country",
                 l->sku.p);
        ec__error_field(pc->err, "lines[%u].sku", i);
        return EC_NO_TAX_RATE;
    }
    /* checked before the fee is known: a fee of 0 is still taxed by it */
    if (pc->ship && !(r->shipping_entry = entry_for(pc, pc->ship->tax_cat)))
        return ec__fail(pc->err, EC_NO_TAX_RATE, "shipping_method",
                        "no tax rate for the shipping method in this country");
    return EC_OK;
}

ec_status ec__shipping_fee(ec__pricing *pc, const int64_t *nets, int64_t *fee)
{
    int64_t sum = 0, free_over;
    *fee = 0;
    if (!pc->ship) return EC_OK;
    for (uint32_t i = 0; i < pc->r->nlines; i++) sum += nets[i]; /* <= subtotal */
    *fee = ec__money_in(&pc->ship->free_over, pc->cur, &free_over) && sum >= free_over
               ? 0
               : pc->ship_price;
    return EC_OK;
}

/* ---- the items ------------------------------------------------------------------------- */

static ec_status reserve(ec__pricing *pc, void **arr, uint32_t *cap, size_t need, size_t elem)
{
    if (ec__result_reserve(pc->r, arr, cap, need, elem)) return EC_OK;
    return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
}

/* Room for up to 2 * nlines items, their rates, and allocation scratch. */
static ec_status reserve_items(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    size_t items = (size_t)r->nlines * 2 + 1, rates = items * EC__TAX_MAX_RATES;
    EC_TRY(reserve(pc, (void **)&r->items, &r->items_cap, items, sizeof *r->items));
    EC_TRY(reserve(pc, (void **)&r->rate_tax, &r->rate_tax_cap, rates, sizeof *r->rate_tax));
    if (pc->rs->tax_total)
        EC_TRY(reserve(pc, (void **)&r->shares, &r->shares_cap, rates, sizeof *r->shares));
    void **const scratch[] = {(void **)&r->w, (void **)&r->parts};
    if (r->alloc_cap >= rates || ec__result_reserve_same(r, scratch, 2, &r->alloc_cap, rates, 8))
        return EC_OK;
    return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
}

static void add_item(ec_price_result *r, const ec__tax_entry *e, int64_t base)
{
    uint32_t off = r->nrate_tax; /* where the items so far end (0 for the first) */
    r->items[r->nitems++] = (ec__tax_item){e, base, 0, 0, off};
    r->nrate_tax = off + e->nrates;
}

/* Shipping: one item by its category, or with shipping_tax proportional a
 * share for each line (the fee allocated by the lines' nets), taxed with
 * that line's rates; with every net 0, by its category. */
static ec_status shipping_items(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    int64_t fee = r->shipping_price - r->shipping_discount, sum = 0;
    for (uint32_t i = 0; i < r->nlines; i++) sum += r->lines[i].net; /* <= subtotal */
    if (!pc->rs->shipping_tax_split || sum == 0) {
        add_item(r, r->shipping_entry, fee);
        return EC_OK;
    }
    for (uint32_t i = 0; i < r->nlines; i++) r->w[i] = r->lines[i].net;
    EC_TRY(ec_money_allocate(fee, r->w, r->nlines, r->parts));
    for (uint32_t i = 0; i < r->nlines; i++) add_item(r, r->lines[i].tax_entry, r->parts[i]);
    return EC_OK;
}

/* An exempt customer pays no tax: with exclusive prices it is dropped,
 * with inclusive prices it is taken off the price (the relief). */
static void exempt(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    for (uint32_t k = 0; k < r->nitems; k++) {
        if (pc->rs->prices_include_tax) r->items[k].relief = r->items[k].tax;
        r->items[k].tax = 0;
    }
    memset(r->rate_tax, 0, (size_t)r->nrate_tax * sizeof *r->rate_tax);
}

/* The summary entry of (name, percent) of rate; a new one when none. */
static ec_status sum_of(ec__pricing *pc, const ec__tax_rate *rate, uint32_t *at)
{
    ec_price_result *r = pc->r;
    uint32_t s = 0;
    while (s < r->nsums &&
           (r->sums[s].name_sym != rate->name_sym || r->sums[s].percent != rate->percent))
        s++;
    if (s == r->nsums) {
        EC_TRY(reserve(pc, (void **)&r->sums, &r->sums_cap, (size_t)s + 1, sizeof *r->sums));
        r->sums[r->nsums++] = (ec__tax_sum){rate, rate->name_sym, rate->percent, 0};
    }
    *at = s;
    return EC_OK;
}

/* Sum the rates by name and percent over every item, in first-seen order.
 * Items of one entry (lines of one tax category, most often) follow one
 * another: their rates go to the entries found for the item before. */
static ec_status summarize(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const ec__tax_entry *last = NULL;
    uint32_t at[EC__TAX_MAX_RATES];
    r->nsums = 0;
    for (uint32_t k = 0, n = r->nitems; k < n; k++) {
        const ec__tax_entry *e = r->items[k].e;
        const int64_t *amounts = r->rate_tax + r->items[k].off;
        for (uint32_t j = 0; j < e->nrates && e != last; j++)
            EC_TRY(sum_of(pc, &e->rates[j], &at[j]));
        ec__tax_sum *sums = r->sums; /* sum_of may have moved them */
        for (uint32_t j = 0; j < e->nrates; j++)
            EC_TRY(ec__money_add(sums[at[j]].amount, amounts[j], &sums[at[j]].amount));
        last = e;
    }
    return EC_OK;
}

static ec_status tax_all(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    EC_TRY(reserve_items(pc));
    for (uint32_t i = 0; i < r->nlines; i++) add_item(r, r->lines[i].tax_entry, r->lines[i].net);
    if (pc->ship) EC_TRY(shipping_items(pc));
    ec__tax_scratch scratch = {r->w, r->parts, r->shares};
    EC_TRY(ec__tax_items(pc, r->items, r->nitems, r->rate_tax, &scratch));
    if (pc->cart->tax_exempt) exempt(pc);
    for (uint32_t k = 0; k < r->nitems; k++) {
        const ec__tax_item *it = &r->items[k];
        if (k < r->nlines) {
            r->lines[k].tax = it->tax;
            r->lines[k].relief = it->relief;
            continue;
        }
        EC_TRY(ec__money_add(r->shipping_tax, it->tax, &r->shipping_tax));
        EC_TRY(ec__money_add(r->shipping_relief, it->relief, &r->shipping_relief));
    }
    return summarize(pc);
}

/* ---- totals ----------------------------------------------------------------------------- */

static ec_status add(ec__pricing *pc, int64_t *acc, int64_t v)
{
    if (ec__money_add(*acc, v, acc) == EC_OK) return EC_OK;
    return ec__fail(pc->err, EC_OVERFLOW, NULL, "the cart total does not fit in 64 bits");
}

ec_status ec__price_tax(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    int inclusive = pc->rs->prices_include_tax;
    if (pc->ship) {
        r->has_shipping = 1;
        r->shipping_method = &pc->ship->id;
        EC_TRY(ec__shipping_fee(pc, r->nets, &r->shipping_price));
        if (r->shipping_discount > r->shipping_price) r->shipping_discount = r->shipping_price;
    }
    ec_status st = EC_OK;
    if (pc->rs->ntaxes) /* every line's tax and relief */
        st = tax_all(pc);
    else
        for (uint32_t i = 0; i < r->nlines; i++) r->lines[i].tax = r->lines[i].relief = 0;
    if (st == EC_NO_MEMORY) return st;
    if (st != EC_OK) return ec__fail(pc->err, EC_OVERFLOW, NULL, "the tax does not fit in 64 bits");
    r->subtotal = r->discount = r->tax = r->total = 0;
    for (uint32_t i = 0; i < r->nlines; i++) {
        ec__line_result *l = &r->lines[i];
        EC_TRY(add(pc, &r->discount, l->subtotal - l->net));
        l->net -= l->relief;
        l->total = l->net;
        if (!inclusive) EC_TRY(add(pc, &l->total, l->tax));
        EC_TRY(add(pc, &r->subtotal, l->subtotal));
        EC_TRY(add(pc, &r->tax, l->tax));
        EC_TRY(add(pc, &r->total, l->total));
    }
    if (pc->ship) {
        r->shipping_total = r->shipping_price - r->shipping_discount - r->shipping_relief;
        if (!inclusive) EC_TRY(add(pc, &r->shipping_total, r->shipping_tax));
        EC_TRY(add(pc, &r->tax, r->shipping_tax));
        EC_TRY(add(pc, &r->total, r->shipping_total));
    }
    return EC_OK;
}
