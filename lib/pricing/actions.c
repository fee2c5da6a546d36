/* actions.c - the seven cart promotion actions of formats.md 3.2 and the
 * max_discount cap.  Each works on the target lines' current nets and never
 * takes a net below zero. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

#define TARGET(pc, pr, k) ((pc)->r->targets[(pr)->tgt_off + (k)])

static ec_status percent_off(ec__pricing *pc, const ec__promo_result *pr, int32_t pct,
                             const int64_t *nets, int64_t *d)
{
    const uint32_t *targets = pc->r->targets + pr->tgt_off;
    for (uint32_t k = 0, n = pr->tgt_n; k < n; k++) {
        uint32_t i = targets[k];
        EC_TRY(ec__percent_of(pc, nets[i], pct, &d[i]));
    }
    return EC_OK;
}

/* amount per unit (amount_off_each) or target price per unit (fixed_price):
 * an amount*quantity beyond 64 bits saturates, which is exact here because
 * every net is smaller. */
static int64_t times_quantity(int64_t amount, int64_t quantity)
{
    int64_t v = 0;
    return ec__money_mul(amount, quantity, &v) == EC_OK ? v : INT64_MAX;
}

static void amount_off_each(ec__pricing *pc, const ec__promo_result *pr, int64_t amount,
                            const int64_t *nets, int64_t *d)
{
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = TARGET(pc, pr, k);
        int64_t off = times_quantity(amount, pc->r->lines[i].quantity);
        d[i] = off < nets[i] ? off : nets[i];
    }
}

static void fixed_price(ec__pricing *pc, const ec__promo_result *pr, int64_t price,
                        const int64_t *nets, int64_t *d)
{
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = TARGET(pc, pr, k);
        int64_t target = times_quantity(price, pc->r->lines[i].quantity);
        d[i] = nets[i] > target ? nets[i] - target : 0;
    }
}

/* Allocate `amount` over the target lines by the given per-line weights. */
static ec_status allocate_over_targets(ec__pricing *pc, const ec__promo_result *pr, int64_t amount,
                                       const int64_t *weights, int64_t *d)
{
    ec_price_result *r = pc->r;
    for (uint32_t k = 0; k < pr->tgt_n; k++) r->w[k] = weights[TARGET(pc, pr, k)];
    EC_TRY(ec_money_allocate(amount, r->w, pr->tgt_n, r->parts));
    for (uint32_t k = 0; k < pr->tgt_n; k++) d[TARGET(pc, pr, k)] = r->parts[k];
    return EC_OK;
}

static ec_status amount_off_order(ec__pricing *pc, const ec__promo_result *pr, int64_t amount,
                                  const int64_t *nets, int64_t *d)
{
    int64_t total = 0;
    for (uint32_t k = 0; k < pr->tgt_n; k++)
        EC_TRY(ec__money_add(total, nets[TARGET(pc, pr, k)], &total));
    return allocate_over_targets(pc, pr, amount < total ? amount : total, nets, d);
}

/* Target lines by unit price descending, ties in cart order (insertion
 * sort: stable, and target lists are short). */
static void sort_by_unit_price(ec__pricing *pc, uint32_t *order, uint32_t n)
{
    const ec__line_result *lines = pc->r->lines;
    for (uint32_t k = 1; k < n; k++) {
        uint32_t v = order[k], j = k;
        while (j > 0 && lines[order[j - 1]].unit_price < lines[v].unit_price) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
}

/* Target lines in that order into `order`.  A list of every line (target
 * lists are in line order without repeats) takes the cart's order, sorted
 * once per cart: most buy_x_get_y promotions of a cart target every line. */
static ec_status targets_by_price(ec__pricing *pc, const ec__promo_result *pr, uint32_t *order)
{
    ec_price_result *r = pc->r;
    uint32_t n = pr->tgt_n;
    if (n < r->nlines) {
        for (uint32_t k = 0; k < n; k++) order[k] = TARGET(pc, pr, k);
        sort_by_unit_price(pc, order, n);
        return EC_OK;
    }
    if (!pc->by_price) {
        if (!ec__result_reserve(r, (void **)&r->by_price, &r->by_price_cap, n, sizeof *order))
            return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
        for (uint32_t i = 0; i < n; i++) r->by_price[i] = i;
        sort_by_unit_price(pc, r->by_price, n);
        pc->by_price = 1;
    }
    memcpy(order, r->by_price, n * sizeof *order);
    return EC_OK;
}

/* The k*get cheapest target units are discounted; units of one line share a
 * unit price, so whole lines are taken from the cheap end at once. */
static ec_status buy_x_get_y(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                             const int64_t *nets, int64_t *d)
{
    ec_price_result *r = pc->r;
    uint32_t *order = (uint32_t *)r->parts; /* scratch: parts is unused here */
    int64_t units = 0;
    EC_TRY(targets_by_price(pc, pr, order));
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        units += r->lines[order[k]].quantity; /* <= 1000 * 1e6: no overflow */
        d[order[k]] = 0;
    }
    int64_t apps = units / (p->action.buy + p->action.get);
    if (p->action.max_applications > 0 && apps > p->action.max_applications)
        apps = p->action.max_applications;
    int64_t free_units = apps * p->action.get; /* get <= 1e6: fits */
    for (uint32_t k = pr->tgt_n; k-- > 0 && free_units > 0;) {
        const ec__line_result *l = &r->lines[order[k]];
        int64_t n = l->quantity < free_units ? l->quantity : free_units, off;
        free_units -= n;
        EC_TRY(ec__percent_of(pc, l->unit_price, p->action.percent, &off));
        int64_t line_off = times_quantity(off, n);
        d[order[k]] = line_off < nets[order[k]] ? line_off : nets[order[k]];
    }
    return EC_OK;
}

/* When the discounts sum above max_discount, the cap is shared in
 * proportion to them (largest remainder). */
static ec_status apply_cap(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                           int64_t *d)
{
    int64_t cap = 0, sum = 0;
    if (!ec__money_in(&p->max_discount, pc->cur, &cap)) return EC_OK;
    for (uint32_t k = 0; k < pr->tgt_n; k++) EC_TRY(ec__money_add(sum, d[TARGET(pc, pr, k)], &sum));
    if (sum <= cap) return EC_OK;
    return allocate_over_targets(pc, pr, cap, d, d);
}

static ec_status run_action(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                            const int64_t *nets, int64_t *d)
{
    const ec__action *a = &p->action;
    int64_t amount = 0;
    (void)ec__money_in(&a->amount, pc->cur, &amount); /* presence checked earlier */
    switch (a->type) {
    case EC__ACT_PERCENT_OFF:
        return percent_off(pc, pr, a->percent, nets, d);
    case EC__ACT_TIERED_PERCENT:
        return percent_off(pc, pr, a->tiers[pr->tier].percent, nets, d);
    case EC__ACT_AMOUNT_OFF_EACH:
        amount_off_each(pc, pr, amount, nets, d);
        return EC_OK;
    case EC__ACT_FIXED_PRICE:
        fixed_price(pc, pr, amount, nets, d);
        return EC_OK;
    case EC__ACT_AMOUNT_OFF_ORDER:
        return amount_off_order(pc, pr, amount, nets, d);
    case EC__ACT_BUY_X_GET_Y:
        return buy_x_get_y(pc, p, pr, nets, d);
    default: /* free_shipping: its value is the shipping discount */
        for (uint32_t k = 0; k < pr->tgt_n; k++) d[TARGET(pc, pr, k)] = 0;
        return EC_OK;
    }
}

ec_status ec__apply_action(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                           int64_t *nets, int64_t *d, int64_t *sum)
{
    EC_TRY(run_action(pc, p, pr, nets, d));
    EC_TRY(apply_cap(pc, p, pr, d));
    /* locals: d, nets and *sum could alias, which would reload each */
    const uint32_t *targets = pc->r->targets + pr->tgt_off;
    int64_t total = 0;
    for (uint32_t k = 0, n = pr->tgt_n; k < n; k++) {
        uint32_t i = targets[k];
        if (d[i] > nets[i]) d[i] = nets[i];
        if (d[i] < 0) d[i] = 0;
        nets[i] -= d[i];
        total += d[i]; /* each d <= its net, and the nets sum fits */
    }
    *sum = total;
    return EC_OK;
}
