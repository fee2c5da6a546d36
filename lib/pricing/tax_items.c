/* tax_items.c - the amounts of every rate of every taxed item (a line, the
 * shipping fee or a share of it), by the ruleset's convention and rounding.
 *
 * Exclusive prices: each rate on its own on the item's net (a compound
 * rate on the net plus the rates before it).  `line` rounds per item and
 * rate; `total` sums, per distinct percent, the bases of every rate of
 * that percent, rounds once and allocates the tax over them by base.
 * Inclusive prices: the tax inside the net for the item's summed percent P
 * (`total`: per distinct P on the summed nets, allocated by net), then
 * split over the item's rates in proportion to their percents. */
#include "common/internal.h"
#include "pricing/engine.h"

/* Tax included in a gross amount: G - round(G * 100 / (100 + percent)). */
static ec_status included_tax(const ec__pricing *pc, int64_t gross, int32_t pct, int64_t *tax)
{
    int64_t net;
    EC_TRY(ec_money_muldiv(gross, EC_PERCENT_ONE, EC_PERCENT_ONE + (int64_t)pct,
                           (ec_rounding)pc->mode, &net));
    *tax = gross - net;
    return EC_OK;
}

/* An item's tax over its rates, in proportion to their percents. */
static ec_status split(const ec__tax_item *it, int64_t *amounts)
{
    int64_t w[EC__TAX_MAX_RATES];
    uint32_t n = it->e->nrates;
    if (n == 1) {
        amounts[it->off] = it->tax;
        return EC_OK;
    }
    for (uint32_t j = 0; j < n; j++) w[j] = it->e->rates[j].percent;
    return ec_money_allocate(it->tax, w, n, amounts + it->off);
}

/* tax_rounding line: every item alone. */
static ec_status by_item(const ec__pricing *pc, ec__tax_item *it, int64_t *amounts)
{
    const ec__tax_entry *e = it->e;
    if (pc->rs->prices_include_tax) {
        EC_TRY(included_tax(pc, it->base, e->percent, &it->tax));
        return split(it, amounts);
    }
    int64_t sum = 0, base;
    for (uint32_t j = 0; j < e->nrates; j++) {
        EC_TRY(ec__money_add(it->base, e->rates[j].compound ? sum : 0, &base));
        EC_TRY(ec__percent_of(pc, base, e->rates[j].percent, &amounts[it->off + j]));
        EC_TRY(ec__money_add(sum, amounts[it->off + j], &sum));
    }
    it->tax = sum;
    return EC_OK;
}

/* tax_rounding total: per distinct percent over the shares, the tax of
 * their summed bases (on top, or inside them), allocated by base.  Shares
 * not yet done hold -1. */
static ec_status by_percent(const ec__pricing *pc, ec__tax_share *sh, uint32_t n, int64_t *w,
                            int64_t *parts)
{
    for (uint32_t k = 0; k < n; k++) *sh[k].out = -1;
    for (uint32_t k = 0; k < n; k++) {
        if (*sh[k].out >= 0) continue;
        int32_t pct = sh[k].percent;
        uint32_t m = 0;
        int64_t sum = 0, tax;
        for (uint32_t a = k; a < n; a++) {
            if (*sh[a].out >= 0 || sh[a].percent != pct) continue;
            w[m++] = sh[a].base;
            EC_TRY(ec__money_add(sum, sh[a].base, &sum));
        }
        if (pc->rs->prices_include_tax)
            EC_TRY(included_tax(pc, sum, pct, &tax));
        else
            EC_TRY(ec__percent_of(pc, sum, pct, &tax));
        EC_TRY(ec_money_allocate(tax, w, m, parts));
        m = 0;
        for (uint32_t a = k; a < n; a++)
            if (*sh[a].out < 0 && sh[a].percent == pct) *sh[a].out = parts[m++];
    }
    return EC_OK;
}

/* tax_rounding total.  Exclusive prices: a share per rate of every item,
 * its amount the rate's.  Inclusive: a share per item, for its summed
 * percent, then each item's tax split over its rates. */
static ec_status by_total(const ec__pricing *pc, ec__tax_item *items, uint32_t n, int64_t *amounts,
                          const ec__tax_scratch *s)
{
    uint32_t m = 0;
    int inclusive = pc->rs->prices_include_tax;
    for (uint32_t k = 0; k < n; k++) {
        if (inclusive) {
            s->shares[m++] = (ec__tax_share){items[k].base, &items[k].tax, items[k].e->percent};
            continue;
        }
        for (uint32_t j = 0; j < items[k].e->nrates; j++)
            s->shares[m++] = (ec__tax_share){items[k].base, &amounts[items[k].off + j],
                                             items[k].e->rates[j].percent};
    }
    EC_TRY(by_percent(pc, s->shares, m, s->w, s->parts));
    for (uint32_t k = 0; k < n; k++) {
        if (inclusive) {
            EC_TRY(split(&items[k], amounts));
            continue;
        }
        items[k].tax = 0;
        for (uint32_t j = 0; j < items[k].e->nrates; j++)
            EC_TRY(ec__money_add(items[k].tax, amounts[items[k].off + j], &items[k].tax));
    }
    return EC_OK;
}

ec_status ec__tax_items(const ec__pricing *pc, ec__tax_item *items, uint32_t n, int64_t *amounts,
                        const ec__tax_scratch *scratch)
{
    if (pc->rs->tax_total) return by_total(pc, items, n, amounts, scratch);
    for (uint32_t k = 0; k < n; k++) EC_TRY(by_item(pc, &items[k], amounts));
    return EC_OK;
}
