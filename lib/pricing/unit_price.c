/* unit_price.c - unit prices: list price from price lists and tiers, then
 * the one best product promotion. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

int ec__context_matches(const ec__pricing *pc, const ec__symset *groups, const ec__symset *channels,
                        const ec__symset *countries, const ec__window *w)
{
    return ec__window_has(w, pc->at) && ec__symset_has(groups, pc->group) &&
           ec__symset_has(channels, pc->channel) && ec__symset_has(countries, pc->country);
}

/* The tier with the greatest min_quantity <= quantity, else the price. */
static int64_t entry_price(const ec__pl_entry *e, int64_t quantity)
{
    int64_t price = e->price, best = -1;
    for (uint32_t t = 0; t < e->ntiers; t++) {
        if (e->tiers[t].min_quantity <= quantity && e->tiers[t].min_quantity > best) {
            best = e->tiers[t].min_quantity;
            price = e->tiers[t].price;
        }
    }
    return price;
}

static int id_less(const ec__str *a, const ec__str *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, n);
    return c ? c < 0 : a->n < b->n;
}

/* Highest priority wins; ties go to the lower price, then the smaller id.
 * Refs are sorted by priority, so stop at the first lower priority. */
int ec__best_price_list(const ec__pricing *pc, const ec__sku_info *info, int64_t quantity,
                        ec__line_result *line)
{
    const ec_ruleset *rs = pc->rs;
    const ec__price_list *best = NULL;
    int64_t best_price = 0;
    for (uint32_t k = 0; k < info->pl_n; k++) {
        const ec__pl_ref *ref = &rs->pl_refs[info->pl_off + k];
        const ec__price_list *pl = &rs->price_lists[ref->list];
        if (best && pl->priority < best->priority) break;
        if (pl->cur != pc->cur ||
            !ec__context_matches(pc, &pl->groups, &pl->channels, &pl->countries, &pl->window))
            continue;
        int64_t price = entry_price(&pl->entries[ref->entry], quantity);
        if (!best || price < best_price || (price == best_price && id_less(&pl->id, &best->id))) {
            best = pl;
            best_price = price;
        }
    }
    if (!best) return 0;
    line->list_price = best_price;
    line->price_list = &best->id;
    return 1;
}

int ec__promo_excluded(const ec__promotion *p, const ec__str *sku)
{
    const ec__target *t = &p->target;
    for (uint32_t i = 0; i < t->nexclude; i++)
        if (t->exclude[i].n == sku->n && memcmp(t->exclude[i].p, sku->p, sku->n) == 0) return 1;
    return 0;
}

/* Unit price under a product promotion; 0 when its money field lacks the
 * cart's currency (the promotion is then skipped). */
ec_status ec__product_promo_price(const ec__pricing *pc, const ec__promotion *p, int64_t list,
                                  int64_t *unit, int *usable)
{
    int64_t amount = 0;
    *usable = 1;
    switch (p->action.type) {
    case EC__ACT_PERCENT_OFF: {
        int64_t off;
        EC_TRY(ec__percent_of(pc, list, p->action.percent, &off));
        *unit = list - off;
        return EC_OK;
    }
    case EC__ACT_AMOUNT_OFF_EACH:
        if (!(*usable = ec__money_in(&p->action.amount, pc->cur, &amount))) return EC_OK;
        *unit = list > amount ? list - amount : 0;
        return EC_OK;
    default: /* fixed_price; the codec admits nothing else at product level */
        if (!(*usable = ec__money_in(&p->action.amount, pc->cur, &amount))) return EC_OK;
        *unit = amount < list ? amount : list;
        return EC_OK;
    }
}

/* Whether the context admits product promotion pos: a cart's lines try
 * the same few promotions again and again, so a cart decides each once
 * (batch repricing, without a result, prices one item). */
static int admits(const ec__pricing *pc, uint32_t pos, const ec__promotion *p)
{
    ec_price_result *r = pc->r;
    if (r && r->pp_mark[pos] >> 1 == r->pp_stamp) return r->pp_mark[pos] & 1;
    int ok = ec__context_matches(pc, &p->groups, &p->channels, &p->countries, &p->window);
    if (r) r->pp_mark[pos] = r->pp_stamp << 1 | (uint32_t)ok;
    return ok;
}

/* A new cart: room for the marks of admits(), all stale. */
static ec_status new_marks(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    uint32_t n = pc->rs->nproduct_promos, cap = r->pp_cap;
    if (!ec__result_reserve(r, (void **)&r->pp_mark, &r->pp_cap, n, sizeof *r->pp_mark))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    if (cap < r->pp_cap || ++r->pp_stamp >> 31) { /* new room, or the stamps wrap */
        memset(r->pp_mark, 0, (size_t)r->pp_cap * sizeof *r->pp_mark);
        r->pp_stamp = 1;
    }
    return EC_OK;
}

/* Product promotion pos for the line, when it matches the context and has
 * the cart's currency (and, from the every-line list, does not exclude
 * it): *found is set. */
static ec_status try_product_promo(const ec__pricing *pc, ec__line_result *line, uint32_t pos,
                                   int from_all, int *found)
{
    const ec__promotion *p = pc->rs->product_promos[pos];
    int usable;
    int64_t unit;
    *found = 0;
    if (!admits(pc, pos, p)) return EC_OK;
    if (from_all && ec__line_excluded(pc->rs, &p->target, line->info)) return EC_OK;
    EC_TRY(ec__product_promo_price(pc, p, line->list_price, &unit, &usable));
    if (!usable) return EC_OK;
    line->unit_price = unit;
    line->product_promo = &p->id;
    *found = 1;
    return EC_OK;
}

/* The first product promotion in selection order that matches the context,
 * targets the line and has the cart's currency.  Targeted and all-line
 * promotions are two sorted lists; walk them merged (most SKUs have only
 * the second). */
ec_status ec__product_promotion(const ec__pricing *pc, ec__line_result *line)
{
    const ec_ruleset *rs = pc->rs;
    const uint32_t *a = rs->promo_refs + line->info->pp_off, *b = rs->all_product;
    uint32_t na = line->info->pp_n, nb = rs->nall_product, i = 0, j = 0;
    int found = 0;
    while (!found && (i < na || j < nb)) {
        int from_all = (i == na) || (j < nb && b[j] < a[i]);
        EC_TRY(try_product_promo(pc, line, from_all ? b[j++] : a[i++], from_all, &found));
    }
    return EC_OK;
}

static ec_status price_line(ec__pricing *pc, uint32_t i)
{
    const ec_ruleset *rs = pc->rs;
    ec__line_result *line = &pc->r->lines[i];
    const ec__cart_line *cl = &pc->cart->lines[i];
    *line = (ec__line_result){.sku = cl->sku, .quantity = cl->quantity};
    uint32_t s = ec__strmap_get_hashed(&rs->sku_index, cl->sku.p, cl->sku.n, cl->hash);
    if (s == EC__STRMAP_NONE) goto no_price;
    line->info = &rs->skus[s];
    if (!ec__best_price_list(pc, line->info, cl->quantity, line)) {
        if (line->info->product < 0 ||
            !ec__money_in(&rs->products[line->info->product].prices, pc->cur, &line->list_price))
            goto no_price;
    }
    line->unit_price = line->list_price;
    line->tax_cat =
        line->info->product >= 0 ? rs->products[line->info->product].tax_cat : rs->sym_standard;
    EC_TRY(ec__product_promotion(pc, line));
    if (ec__money_mul(line->unit_price, line->quantity, &line->subtotal) != EC_OK) {
        ec__fail(pc->err, EC_OVERFLOW, NULL, "the line's subtotal does not fit in 64 bits");
        ec__error_field(pc->err, "lines[%u].quantity", i);
        return EC_OVERFLOW;
    }
    line->net = line->subtotal;
    return ec__money_add(pc->subtotal, line->subtotal, &pc->subtotal) == EC_OK
               ? EC_OK
               : ec__fail(pc->err, EC_OVERFLOW, "lines",
                          "the cart subtotal does not fit in 64 bits");
no_price:
    ec__fail(pc->err, EC_NO_PRICE, NULL, "no price for SKU \"%s\" in %s", cl->sku.p,
             ec_currency_code(pc->cur));
    ec__error_field(pc->err, "lines[%u].sku", i);
    return EC_NO_PRICE;
}

ec_status ec__price_units(ec__pricing *pc)
{
    EC_TRY(new_marks(pc));
    for (uint32_t i = 0; i < pc->cart->nlines; i++) EC_TRY(price_line(pc, i));
    return EC_OK;
}
