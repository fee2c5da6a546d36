/* tax.c - formats.md 3.4 and 3.5: the shipping method, tax rates, the tax
 * of every item (line or total rounding, exclusive or inclusive prices) and
 * the cart's totals. */
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

/* The rate for (category, country), else (category, "*"); 0 when found. */
static int find_rate(const ec__pricing *pc, uint32_t cat, int32_t *pct)
{
    const ec_ruleset *rs = pc->rs;
    int found = 0;
    for (uint32_t i = 0; i < rs->ntaxes; i++) {
        const ec__tax_rate *t = &rs->taxes[i];
        if (t->cat != cat || cat == EC__SYM_NONE) continue;
        if (t->country == pc->country && pc->country != EC__SYM_NONE) {
            *pct = t->percent;
            return 1;
        }
        if (t->country == EC__SYM_ANY) {
            *pct = t->percent;
            found = 1;
        }
    }
    return found;
}

ec_status ec__price_tax_rates(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    if (pc->rs->ntaxes == 0) return EC_OK; /* every tax is zero */
    for (uint32_t i = 0; i < r->nlines; i++) {
        if (find_rate(pc, r->lines[i].tax_cat, &r->lines[i].tax_percent)) continue;
        ec__fail(pc->err, EC_NO_TAX_RATE, NULL, "no tax rate for SKU \"%s\" in this country",
                 r->lines[i].sku.p);
        ec__error_field(pc->err, "lines[%u].sku", i);
        return EC_NO_TAX_RATE;
    }
    if (pc->ship && !find_rate(pc, pc->ship->tax_cat, &r->shipping_tax_percent))
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

/* Tax included in a gross amount: G - round(G * 100 / (100 + percent)). */
static ec_status included_tax(const ec__pricing *pc, int64_t gross, int32_t pct, int64_t *tax)
{
    int64_t net;
    EC_TRY(ec_money_muldiv(gross, EC_PERCENT_ONE, EC_PERCENT_ONE + (int64_t)pct,
                           (ec_rounding)pc->mode, &net));
    *tax = gross - net;
    return EC_OK;
}

static ec_status tax_of(const ec__pricing *pc, int64_t base, int32_t pct, int64_t *tax)
{
    if (pc->rs->prices_include_tax) return included_tax(pc, base, pct, tax);
    return ec__percent_of(pc, base, pct, tax);
}

/* Items are the lines and, last, the shipping fee (index nlines). */
static int64_t *item_tax(ec_price_result *r, uint32_t k)
{
    return k < r->nlines ? &r->lines[k].tax : &r->shipping_tax;
}

static int32_t item_percent(const ec_price_result *r, uint32_t k)
{
    return k < r->nlines ? r->lines[k].tax_percent : r->shipping_tax_percent;
}

static int64_t item_base(const ec_price_result *r, uint32_t k)
{
    return k < r->nlines ? r->lines[k].net : r->shipping_price - r->shipping_discount;
}

/* tax_rounding "total": per distinct percent, the tax of the items' sum,
 * allocated over them by base. */
static ec_status tax_by_total(ec__pricing *pc, uint32_t nitems)
{
    ec_price_result *r = pc->r;
    int64_t *w = r->w, *parts = r->parts;
    for (uint32_t k = 0; k < nitems; k++) *item_tax(r, k) = -1; /* not yet */
    for (uint32_t k = 0; k < nitems; k++) {
        if (*item_tax(r, k) >= 0) continue;
        int32_t pct = item_percent(r, k);
        uint32_t n = 0;
        int64_t gross = 0, tax;
        for (uint32_t j = k; j < nitems; j++) {
            if (*item_tax(r, j) >= 0 || item_percent(r, j) != pct) continue;
            w[n++] = item_base(r, j);
            EC_TRY(ec__money_add(gross, item_base(r, j), &gross));
        }
        EC_TRY(tax_of(pc, gross, pct, &tax));
        EC_TRY(ec_money_allocate(tax, w, n, parts));
        n = 0;
        for (uint32_t j = k; j < nitems; j++)
            if (*item_tax(r, j) < 0 && item_percent(r, j) == pct) *item_tax(r, j) = parts[n++];
    }
    return EC_OK;
}

static ec_status item_taxes(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    uint32_t nitems = r->nlines + (pc->ship ? 1 : 0);
    if (pc->rs->tax_total) return tax_by_total(pc, nitems);
    for (uint32_t k = 0; k < nitems; k++)
        EC_TRY(tax_of(pc, item_base(r, k), item_percent(r, k), item_tax(r, k)));
    return EC_OK;
}

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
    if (pc->rs->ntaxes && item_taxes(pc) != EC_OK) /* else every tax stays 0 */
        return ec__fail(pc->err, EC_OVERFLOW, NULL, "the tax does not fit in 64 bits");
    r->subtotal = r->discount = r->tax = r->total = 0;
    for (uint32_t i = 0; i < r->nlines; i++) {
        ec__line_result *l = &r->lines[i];
        l->total = l->net;
        if (!inclusive) EC_TRY(add(pc, &l->total, l->tax));
        EC_TRY(add(pc, &r->subtotal, l->subtotal));
        EC_TRY(add(pc, &r->discount, l->subtotal - l->net));
        EC_TRY(add(pc, &r->tax, l->tax));
        EC_TRY(add(pc, &r->total, l->total));
    }
    if (pc->ship) {
        r->shipping_total = r->shipping_price - r->shipping_discount;
        if (!inclusive) EC_TRY(add(pc, &r->shipping_total, r->shipping_tax));
        EC_TRY(add(pc, &r->tax, r->shipping_tax));
        EC_TRY(add(pc, &r->total, r->shipping_total));
    }
    return EC_OK;
}
