/* actions.c - the seven cart promotion actions, the max_discount cap and
 * the budget.  Each works on the target lines' current nets and never
 * takes a net below zero.
 *
 * An action without a cap or budget that prices each line on its own
 * (percent_off, tiered_percent, amount_off_each, fixed_price) takes each
 * line's discount as it computes it, and buy_x_get_y takes from the lines
 * whose units it gave; the others compute every line's discount first,
 * since a cap or an allocation needs them all.
 *
 * A line whose net is 0 gives 0 to every action: a percent or an amount
 * of nothing is nothing, an allocation gives nothing to a weight of 0,
 * and buy_x_get_y's units of it are worth 0, the cheapest.  A third of
 * the lines an action visits are at 0 by then (an earlier promotion took
 * everything), so the actions skip them rather than compute a 0. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

#define TARGET(pc, pr, k) ((pc)->r->targets[(pr)->tgt_off + (k)])

/* Where an action's discounts go: off the nets and, unless the action is
 * a trial (pos UINT32_MAX), into the discounts of each line as promotion
 * pos's.  A local of the caller: its fields stay in registers. */
typedef struct taker {
    int64_t *nets;
    ec__line_discount *out;
    uint32_t *end; /* r->disc_end */
    uint32_t pos;
    int64_t total;
} taker;

/* Take `off` from line i: every action keeps within the net; this keeps it
 * so for sure. */
static inline void take_one(taker *t, uint32_t i, int64_t off)
{
    if (off > t->nets[i]) off = t->nets[i];
    t->nets[i] -= off;
    t->total += off; /* each <= its net, and the nets sum fits */
    if (t->pos == UINT32_MAX || off <= 0) return;
    t->out[t->end[i]++] = (ec__line_discount){t->pos, off};
}

static ec_status percent_take(ec__pricing *pc, const ec__promo_result *pr, int32_t pct, taker *t)
{
    const uint32_t *targets = pc->r->targets + pr->tgt_off;
    for (uint32_t k = 0, n = pr->tgt_n; k < n; k++) {
        uint32_t i = targets[k];
        int64_t off;
        if (!t->nets[i]) continue;
        EC_TRY(ec__percent_of(pc, t->nets[i], pct, &off));
        take_one(t, i, off);
    }
    return EC_OK;
}

static ec_status percent_off(ec__pricing *pc, const ec__promo_result *pr, int32_t pct,
                             const int64_t *nets, int64_t *d)
{
    const uint32_t *targets = pc->r->targets + pr->tgt_off;
    for (uint32_t k = 0, n = pr->tgt_n; k < n; k++) {
        uint32_t i = targets[k];
        d[i] = 0;
        if (nets[i]) EC_TRY(ec__percent_of(pc, nets[i], pct, &d[i]));
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

static int64_t each_off(const ec__pricing *pc, uint32_t i, int64_t amount, int64_t net)
{
    int64_t off = times_quantity(amount, pc->r->lines[i].quantity);
    return off < net ? off : net;
}

static int64_t fixed_off(const ec__pricing *pc, uint32_t i, int64_t price, int64_t net)
{
    int64_t target = times_quantity(price, pc->r->lines[i].quantity);
    return net > target ? net - target : 0;
}

/* amount_off_each or fixed_price, taken as computed. */
static void per_unit_take(ec__pricing *pc, const ec__promo_result *pr, int fixed, int64_t amount,
                          taker *t)
{
    const uint32_t *targets = pc->r->targets + pr->tgt_off;
    for (uint32_t k = 0, n = pr->tgt_n; k < n; k++) {
        uint32_t i = targets[k];
        int64_t net = t->nets[i];
        if (net)
            take_one(t, i, fixed ? fixed_off(pc, i, amount, net) : each_off(pc, i, amount, net));
    }
}

static void per_unit(ec__pricing *pc, const ec__promo_result *pr, int fixed, int64_t amount,
                     const int64_t *nets, int64_t *d)
{
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = TARGET(pc, pr, k);
        d[i] = fixed ? fixed_off(pc, i, amount, nets[i]) : each_off(pc, i, amount, nets[i]);
    }
}

/* Allocate `amount` over the target lines by the given per-line weights
 * (which may be d).  A weight of 0 gets 0: its remainder is 0, and the
 * units left over go to larger remainders first, of which there are always
 * more than units; so only the others are allocated over. */
static ec_status allocate_over_targets(ec__pricing *pc, const ec__promo_result *pr, int64_t amount,
                                       const int64_t *weights, int64_t *d)
{
    ec_price_result *r = pc->r;
    const uint32_t *targets = r->targets + pr->tgt_off;
    uint32_t n = 0;
    for (uint32_t k = 0; k < pr->tgt_n; k++)
        if (weights[targets[k]]) r->w[n++] = weights[targets[k]];
    EC_TRY(ec_money_allocate(amount, r->w, n, r->parts));
    n = 0;
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = targets[k];
        d[i] = weights[i] ? r->parts[n++] : 0;
    }
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
/* Worth ascending, then seq descending, as one integer: seq < 2 *
 * EC_CART_MAX_LINES <= 4096. */
#define KEY_SEQ_BITS 12
#define KEY_WORTH_MAX ((int64_t)1 << (63 - KEY_SEQ_BITS))

static uint64_t group_key(int64_t worth, uint32_t seq)
{
    return (uint64_t)worth << KEY_SEQ_BITS | (((uint32_t)1 << KEY_SEQ_BITS) - 1 - seq);
}

/* The groups by their keys, every net (so every worth) below
 * KEY_WORTH_MAX, as any price a shop charges is: 0 when one is not. */
static uint32_t keyed_groups(ec__pricing *pc, const ec__promo_result *pr, const int64_t *nets)
{
    const ec__line_result *lines = pc->r->lines;
    const uint32_t *targets = pc->r->targets + pr->tgt_off;
    ec__unit_group *units = pc->r->units;
    uint32_t n = 0;
    uint64_t all = 0; /* the nets or'ed: a negative one sets the top bit */
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = targets[k];
        if (!nets[i]) continue; /* taken first, for nothing: not grouped */
        int64_t q = lines[i].quantity, worth = nets[i] / q, extra = nets[i] % q;
        all |= (uint64_t)nets[i];
        if (extra) {
            units[n].key = group_key(worth + 1, 2 * k);
            units[n].count = extra;
            units[n++].line = i;
        }
        units[n].key = group_key(worth, 2 * k + 1);
        units[n].count = q - extra;
        units[n++].line = i;
    }
    return all < (uint64_t)KEY_WORTH_MAX ? n : 0;
}

/* The groups, and whether their keys order them (*keyed); when not,
 * their worth and seq do. */
static ec_status unit_groups(ec__pricing *pc, const ec__promo_result *pr, const int64_t *nets,
                             uint32_t *ngroups, int *keyed)
{
    _Static_assert(2 * EC_CART_MAX_LINES <= 1 << KEY_SEQ_BITS, "seq fits its bits");
    ec_price_result *r = pc->r;
    uint32_t n = 0;
    if (!ec__result_reserve(r, (void **)&r->units, &r->units_cap, (size_t)pr->tgt_n * 2,
                            sizeof *r->units))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    if ((*ngroups = keyed_groups(pc, pr, nets))) {
        *keyed = 1;
        return EC_OK;
    }
    *keyed = 0;
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = TARGET(pc, pr, k);
        if (!nets[i]) continue;
        int64_t q = r->lines[i].quantity, worth = nets[i] / q, extra = nets[i] % q;
        if (extra) r->units[n++] = (ec__unit_group){0, extra, i, 2 * k, worth + 1};
        r->units[n++] = (ec__unit_group){0, q - extra, i, 2 * k + 1, worth};
    }
    *ngroups = n;
    return EC_OK;
}

/* cheapest() by the keys. */
static uint32_t cheapest_key(const ec__unit_group *g, uint32_t n)
{
    uint32_t best = 0;
    uint64_t key = g[0].key;
    for (uint32_t k = 1; k < n; k++) { /* selects, not branches: the minimum moves at random */
        int less = g[k].key < key;
        best = less ? k : best;
        key = less ? g[k].key : key;
    }
    return best;
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
 * times the percent; whole groups are taken from the cheap end at once.
 * *ngroups: the groups in r->units, those taken with key UINT64_MAX (0
 * when nothing of worth is free). */
static ec_status buy_x_get_y(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                             const int64_t *nets, int64_t *d, uint32_t *ngroups)
{
    ec_price_result *r = pc->r;
    const uint32_t *targets = r->targets + pr->tgt_off;
    uint32_t n = 0;
    int keyed = 0;
    *ngroups = 0;
    int64_t units = 0, worthless = 0; /* worthless: units of lines at 0 */
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        int64_t q = r->lines[targets[k]].quantity; /* units <= 1000 * 1e6: no overflow */
        units += q;
        worthless += nets[targets[k]] ? 0 : q;
        d[targets[k]] = 0;
    }
    /* get <= 1e6: fits; the units worth 0 are given first, for 0 */
    int64_t free_units = applications(pc, p, pr, units) * p->action.get - worthless;
    if (free_units <= 0) return EC_OK; /* nothing of worth is free */
    EC_TRY(unit_groups(pc, pr, nets, &n, &keyed));
    *ngroups = n;
    while (free_units > 0) { /* there are units enough: free_units <= units */
        ec__unit_group *g = &r->units[keyed ? cheapest_key(r->units, n) : cheapest(r->units, n)];
        int64_t take = g->count < free_units ? g->count : free_units, off;
        int64_t worth = keyed ? (int64_t)(g->key >> KEY_SEQ_BITS) : g->worth;
        free_units -= take;
        g->count = 0;
        g->key = UINT64_MAX;
        EC_TRY(ec__percent_of(pc, worth, p->action.percent, &off));
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
    uint32_t groups;
    (void)ec__money_in(&a->amount, pc->cur, &amount); /* presence checked earlier */
    switch (a->type) {
    case EC__ACT_PERCENT_OFF:
        return percent_off(pc, pr, a->percent, nets, d);
    case EC__ACT_TIERED_PERCENT:
        return percent_off(pc, pr, a->tiers[pr->tier].percent, nets, d);
    case EC__ACT_AMOUNT_OFF_EACH:
    case EC__ACT_FIXED_PRICE:
        per_unit(pc, pr, a->type == EC__ACT_FIXED_PRICE, amount, nets, d);
        return EC_OK;
    case EC__ACT_AMOUNT_OFF_ORDER:
        return amount_off_order(pc, pr, amount, nets, d);
    case EC__ACT_BUY_X_GET_Y:
        return buy_x_get_y(pc, p, pr, nets, d, &groups);
    default: /* free_shipping: its value is the shipping discount */
        for (uint32_t k = 0; k < pr->tgt_n; k++) d[TARGET(pc, pr, k)] = 0;
        return EC_OK;
    }
}

/* buy_x_get_y's discounts, from the lines of the groups it took (a line's
 * two groups give one discount). */
static void take_groups(const ec__unit_group *units, uint32_t n, int64_t *d, taker *t)
{
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = units[k].line;
        if (units[k].key != UINT64_MAX || !d[i]) continue;
        take_one(t, i, d[i]);
        d[i] = 0;
    }
}

/* The action of a promotion without max_discount or budget, taken as
 * computed where each line's discount depends on that line alone, or on
 * the few lines buy_x_get_y gives units of; 0 when the action needs every
 * line's discount first. */
static int run_direct(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr, taker *t,
                      int64_t *d, ec_status *st)
{
    const ec__action *a = &p->action;
    int64_t amount = 0;
    uint32_t groups;
    *st = EC_OK;
    switch (a->type) {
    case EC__ACT_PERCENT_OFF:
    case EC__ACT_TIERED_PERCENT:
        *st = percent_take(
            pc, pr, a->type == EC__ACT_PERCENT_OFF ? a->percent : a->tiers[pr->tier].percent, t);
        return 1;
    case EC__ACT_AMOUNT_OFF_EACH:
    case EC__ACT_FIXED_PRICE:
        (void)ec__money_in(&a->amount, pc->cur, &amount); /* presence checked earlier */
        per_unit_take(pc, pr, a->type == EC__ACT_FIXED_PRICE, amount, t);
        return 1;
    case EC__ACT_BUY_X_GET_Y:
        if ((*st = buy_x_get_y(pc, p, pr, t->nets, d, &groups)) == EC_OK)
            take_groups(pc->r->units, groups, d, t);
        return 1;
    case EC__ACT_FREE_SHIPPING: /* 0 off every line: nets are never negative */
        return 1;
    default:
        return 0;
    }
}

ec_status ec__apply_action(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                           uint32_t record, int64_t *nets, int64_t *d, int64_t *sum)
{
    ec_price_result *r = pc->r;
    ec_status st = EC_OK;
    taker t = {nets, r->discounts, r->disc_end, record, 0};
    if ((p->max_discount.n || p->budget.n) || !run_direct(pc, p, pr, &t, d, &st)) {
        EC_TRY(run_action(pc, p, pr, nets, d));
        EC_TRY(apply_cap(pc, p, pr, d));
        const uint32_t *targets = r->targets + pr->tgt_off;
        for (uint32_t k = 0, n = pr->tgt_n; k < n; k++) /* those of a cap are often 0 */
            if (d[targets[k]]) take_one(&t, targets[k], d[targets[k]]);
    }
    EC_TRY(st);
    *sum = t.total;
    return EC_OK;
}
