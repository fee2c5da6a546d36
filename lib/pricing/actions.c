/* actions.c - the seven cart promotion actions, the max_discount cap and
 * the budget.  Each works on the target lines' current nets and never
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

/* The units of the lines the action works on, each worth its share of its
 * line's current net, in groups of equal worth (in cart order). */
static ec_status unit_groups(ec__pricing *pc, const ec__promo_result *pr, const int64_t *nets,
                             uint32_t *ngroups)
{
    ec_price_result *r = pc->r;
    uint32_t n = 0;
    if (!ec__result_reserve(r, (void **)&r->units, &r->units_cap, (size_t)pr->tgt_n * 2,
                            sizeof *r->units))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = TARGET(pc, pr, k);
        int64_t q = r->lines[i].quantity, worth = nets[i] / q, extra = nets[i] % q;
        if (extra) r->units[n++] = (ec__unit_group){worth + 1, extra, i, 2 * k};
        r->units[n++] = (ec__unit_group){worth, q - extra, i, 2 * k + 1};
    }
    *ngroups = n;
    return EC_OK;
}

/* The cheapest group not yet taken: units listed by worth descending, ties
 * in cart order, end with the least worth and, among equals, the latest.
 * Taken groups have count 0.  A buy_x_get_y takes few groups, so picking
 * them one by one costs less than sorting them all. */
static uint32_t cheapest(const ec__unit_group *g, uint32_t n)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t k = 0; k < n; k++)
        if (g[k].count && (best == UINT32_MAX || g[k].worth < g[best].worth ||
                           (g[k].worth == g[best].worth && g[k].seq > g[best].seq)))
            best = k;
    return best;
}

/* How often a buy_x_get_y applies: buy + get target units each, or with a
 * reward_target, buy target units each as long as get reward units are
 * left; max_applications caps both. */
static int64_t applications(const ec__pricing *pc, const ec__promotion *p,
                            const ec__promo_result *pr, int64_t units)
{
    const ec__action *a = &p->action;
    int64_t apps = units / (a->buy + a->get);
    if (a->has_reward) {
        apps = pc->r->dyn[pr - pc->r->promos].units / a->buy;
        if (apps > units / a->get) apps = units / a->get;
    }
    if (a->max_applications > 0 && apps > a->max_applications) apps = a->max_applications;
    return apps;
}

/* The k*get cheapest units (by worth) are discounted, each by its worth
 * times the percent; whole groups are taken from the cheap end at once. */
static ec_status buy_x_get_y(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                             const int64_t *nets, int64_t *d)
{
    ec_price_result *r = pc->r;
    uint32_t n = 0;
    int64_t units = 0;
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        units += r->lines[TARGET(pc, pr, k)].quantity; /* <= 1000 * 1e6: no overflow */
        d[TARGET(pc, pr, k)] = 0;
    }
    int64_t free_units = applications(pc, p, pr, units) * p->action.get; /* get <= 1e6: fits */
    if (free_units == 0) return EC_OK; /* too few units: nothing to value */
    EC_TRY(unit_groups(pc, pr, nets, &n));
    while (free_units > 0) { /* there are units enough: free_units <= units */
        ec__unit_group *g = &r->units[cheapest(r->units, n)];
        int64_t take = g->count < free_units ? g->count : free_units, off;
        free_units -= take;
        g->count = 0;
        EC_TRY(ec__percent_of(pc, g->worth, p->action.percent, &off));
        d[g->line] += off * take; /* off <= worth, so this is at most the net */
    }
    return EC_OK;
}

int ec__budget_left(const ec__pricing *pc, const ec__promotion *p, int64_t *left)
{
    int64_t budget = 0;
    if (!ec__money_in(&p->budget, pc->cur, &budget)) return 0;
    int64_t spent = ec__counts_get(&pc->cart->spent, p->id.p, p->id.n);
    *left = spent < budget ? budget - spent : 0;
    return 1;
}

/* When the discounts sum above max_discount, or above what the budget
 * leaves, the smaller cap is shared in proportion to them (largest
 * remainder); the larger then changes nothing. */
static ec_status apply_cap(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                           int64_t *d)
{
    int64_t cap = 0, left = 0, sum = 0;
    int capped = ec__money_in(&p->max_discount, pc->cur, &cap);
    if (p->budget.n && ec__budget_left(pc, p, &left) && (!capped || left < cap)) {
        cap = left;
        capped = 1;
    }
    if (!capped) return EC_OK;
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

/* Take the discounts from the nets; record those above 0 as raw discounts
 * of promotion `pos` (UINT32_MAX: a trial, nothing recorded). */
static ec_status take(ec__pricing *pc, const ec__promo_result *pr, uint32_t pos, int64_t *nets,
                      int64_t *d, int64_t *sum)
{
    ec_price_result *r = pc->r;
    if (pos != UINT32_MAX && !ec__result_reserve(r, (void **)&r->raw, &r->raw_cap,
                                                 (size_t)r->nraw + pr->tgt_n, sizeof *r->raw))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    /* locals: d, nets and the result's arrays could alias, which would
     * reload each */
    const uint32_t *targets = r->targets + pr->tgt_off;
    ec__raw_discount *raw = r->raw;
    uint8_t *taken = r->taken;
    uint32_t nraw = r->nraw;
    int64_t total = 0;
    for (uint32_t k = 0, n = pr->tgt_n; k < n; k++) {
        uint32_t i = targets[k];
        /* every action keeps within the net; this keeps it so for sure */
        int64_t off = d[i] < nets[i] ? d[i] : nets[i];
        d[i] = off;
        nets[i] -= off;
        total += off; /* each <= its net, and the nets sum fits */
        if (pos == UINT32_MAX || off <= 0) continue;
        raw[nraw++] = (ec__raw_discount){pos, i, off};
        taken[i] = 1;
    }
    if (pos != UINT32_MAX) r->nraw = nraw;
    *sum = total;
    return EC_OK;
}

ec_status ec__apply_action(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                           uint32_t record, int64_t *nets, int64_t *d, int64_t *sum)
{
    EC_TRY(run_action(pc, p, pr, nets, d));
    EC_TRY(apply_cap(pc, p, pr, d));
    return take(pc, pr, record, nets, d, sum);
}
