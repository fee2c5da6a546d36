/* evaluate.c - cart promotions that passed their checks, applied in order:
 * the stacked set with its groups, the exclusive promotions each alone, the
 * best of them, then the shipping discount and the coupons' statuses.
 *
 * Each applied promotion takes its discounts from the lines' current nets
 * before the next is evaluated.  One that takes nothing (and is not
 * free_shipping) has not applied: no_discount, and it stops nothing.
 * Promotions of one group compete when evaluation reaches the group's first
 * member: each member that passes is tried alone on the nets of that
 * moment, the largest value applies there (ties: the earlier), the others
 * are not_best_in_group. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

static void reset_nets(ec__pricing *pc, int64_t *nets)
{
    for (uint32_t i = 0; i < pc->r->nlines; i++) nets[i] = pc->r->lines[i].subtotal;
}

/* Value of a free_shipping promotion that applied alongside these nets. */
static ec_status shipping_value(ec__pricing *pc, const int64_t *nets, int has_free, int64_t *v)
{
    *v = 0;
    return has_free ? ec__shipping_fee(pc, nets, v) : EC_OK;
}

/* A set's value: its line discounts plus its shipping discount. */
static ec_status add_value(ec__pricing *pc, int64_t lines, int64_t ship, int64_t *value)
{
    if (ec__money_add(lines, ship, value) == EC_OK) return EC_OK;
    return ec__fail(pc->err, EC_OVERFLOW, NULL, "a promotion's value does not fit in 64 bits");
}

/* The lines promotion pos works on now (`alone`: with no other applied);
 * its reason when it has none.  Only exclude_discounted promotions and
 * reward sets have lines to redo. */
static ec_status lines_now(ec__pricing *pc, uint32_t pos, int alone, uint8_t *reason)
{
    ec_status st = EC_OK;
    *reason = EC__REASON_NONE;
    if (pc->rs->cart_checks[pos].dyn & (EC__DYN_EXCLUDE_DISCOUNTED | EC__DYN_REWARD))
        *reason = ec__promo_lines(pc, pos, alone, &st);
    return st;
}

/* A set starts recording: no discounts on any line yet. */
static void start_recording(ec_price_result *r)
{
    for (uint32_t i = 0; i < r->nlines; i++) r->disc_end[i] = r->lines[i].disc_off;
}

static int is_free_shipping(const ec__promotion *p)
{
    return p->action.type == EC__ACT_FREE_SHIPPING;
}

/* Apply promotion pos to r->nets as part of the stacked set (inline: the
 * stacked loop calls it for most promotions of every cart). */
static EC__INLINE ec_status apply_stacked(ec__pricing *pc, uint32_t pos, int64_t *total,
                                          int *stopped)
{
    ec_price_result *r = pc->r;
    const ec__promo_check *c = &pc->rs->cart_checks[pos];
    ec__promo_result *pr = &r->promos[pos];
    int free = c->action == EC__ACT_FREE_SHIPPING;
    EC_TRY(ec__apply_action(pc, r->promo_list[pos], pr, pos, r->nets, r->d, &pr->amount));
    if (pr->amount == 0 && !free) { /* nothing was recorded either */
        r->reasons[pos] = EC__REASON_NO_DISCOUNT;
        return EC_OK;
    }
    pr->applied = 1;
    EC_TRY(add_value(pc, *total, pr->amount, total));
    if (free && pos < pc->first_free) pc->first_free = pos; /* a group's best comes early */
    *stopped = c->stacking == EC__STOP;
    return EC_OK;
}

/* What member pos would give alone on the current nets; its reason when
 * it fails the checks that depend on the lines. */
static ec_status try_member(ec__pricing *pc, uint32_t pos, int64_t *value)
{
    ec_price_result *r = pc->r;
    const ec__promotion *p = r->promo_list[pos];
    ec__promo_result *pr = &r->promos[pos];
    int64_t lines = 0, ship = 0;
    uint8_t *reason = &r->reasons[pos];
    EC_TRY(lines_now(pc, pos, 0, reason));
    if (!*reason && pr->tier_miss) *reason = EC__REASON_MIN_SUBTOTAL;
    if (*reason) return EC_OK;
    memcpy(r->trial, r->nets, r->nlines * sizeof *r->trial);
    EC_TRY(ec__apply_action(pc, p, pr, UINT32_MAX, r->trial, r->d, &lines));
    /* the first free_shipping of the set takes the whole shipping discount */
    EC_TRY(
        shipping_value(pc, r->trial, is_free_shipping(p) && pc->first_free == UINT32_MAX, &ship));
    return add_value(pc, lines, ship, value);
}

/* Group g is reached: its members that pass compete, the best applies. */
static ec_status run_group(ec__pricing *pc, uint32_t g, int64_t *total, int *stopped)
{
    ec_price_result *r = pc->r;
    const ec_ruleset *rs = pc->rs;
    uint32_t best = UINT32_MAX;
    int64_t best_value = -1, v = 0;
    for (uint32_t k = rs->group_off[g]; k < rs->group_off[g + 1]; k++) {
        uint32_t pos = rs->group_pos[k];
        if (r->reasons[pos]) continue; /* its own checks failed */
        EC_TRY(try_member(pc, pos, &v));
        if (r->reasons[pos] || v <= best_value) continue;
        best = pos;
        best_value = v;
    }
    if (best == UINT32_MAX) return EC_OK;
    for (uint32_t k = rs->group_off[g]; k < rs->group_off[g + 1]; k++) {
        uint32_t pos = rs->group_pos[k];
        if (pos != best && !r->reasons[pos]) r->reasons[pos] = EC__REASON_NOT_BEST_IN_GROUP;
    }
    uint8_t reason; /* the lines again: another member's trial used the room */
    EC_TRY(lines_now(pc, best, 0, &reason));
    return apply_stacked(pc, best, total, stopped);
}

/* Every passing stacked promotion in order, on r->nets; records their
 * discounts and returns the set's value. */
static ec_status run_stacked(ec__pricing *pc, int64_t *value)
{
    ec_price_result *r = pc->r;
    const ec_ruleset *rs = pc->rs;
    const ec__promo_check *checks = rs->cart_checks;
    int stopped = 0;
    uint32_t g = 0; /* the next group to reach; numbered by first member */
    uint32_t reach = rs->ngroups ? rs->group_pos[rs->group_off[0]] : UINT32_MAX;
    int64_t total = 0, ship;
    start_recording(r);
    pc->first_free = UINT32_MAX;
    reset_nets(pc, r->nets);
    /* locals: evaluating a promotion changes none of these */
    const uint32_t *pass = r->pass;
    const ec__promo_result *promos = r->promos;
    uint8_t *reasons = r->reasons;
    for (uint32_t k = 0, npass = r->npass; k < npass; k++) {
        uint32_t pos = pass[k];
        uint8_t dyn = checks[pos].dyn, reason = reasons[pos];
        if (pos >= reach) {
            for (; g < rs->ngroups && rs->group_pos[rs->group_off[g]] <= pos; g++)
                if (!stopped) EC_TRY(run_group(pc, g, &total, &stopped));
            reach = g < rs->ngroups ? rs->group_pos[rs->group_off[g]] : UINT32_MAX;
            reason = reasons[pos];
        }
        if (reason || ((dyn & EC__DYN_GROUP) && promos[pos].applied)) continue; /* its group's */
        if (dyn & (EC__DYN_EXCLUDE_DISCOUNTED | EC__DYN_REWARD))
            EC_TRY(lines_now(pc, pos, 0, &reason));
        if (!reason && stopped) reason = EC__REASON_STOPPED;
        if (!reason && promos[pos].tier_miss) reason = EC__REASON_MIN_SUBTOTAL;
        if (reason)
            reasons[pos] = reason;
        else
            EC_TRY(apply_stacked(pc, pos, &total, &stopped));
    }
    EC_TRY(shipping_value(pc, r->nets, pc->first_free != UINT32_MAX, &ship));
    return add_value(pc, total, ship, value);
}

/* One exclusive promotion alone on the unit prices' nets; record when
 * final (the recording started anew). *lines receives its line
 * discounts. */
static ec_status run_alone(ec__pricing *pc, uint32_t pos, int record, int64_t *lines,
                           int64_t *value)
{
    ec_price_result *r = pc->r;
    const ec__promotion *p = r->promo_list[pos];
    ec__promo_result *pr = &r->promos[pos];
    uint8_t reason;
    /* trials work on their own nets so that the stacked set's survive */
    int64_t ship, *nets = record ? r->nets : r->trial;
    reset_nets(pc, nets);
    EC_TRY(lines_now(pc, pos, 1, &reason));
    if (reason) { /* alone, its lines are those its checks found */
        *lines = *value = 0;
        r->reasons[pos] = reason;
        return EC_OK;
    }
    EC_TRY(ec__apply_action(pc, p, pr, record ? pos : UINT32_MAX, nets, r->d, lines));
    pr->amount = *lines;
    EC_TRY(shipping_value(pc, nets, is_free_shipping(p), &ship));
    return add_value(pc, *lines, ship, value);
}

/* The largest value wins; ties favour the stacked set, then the earlier
 * exclusive.  Returns the winning position or UINT32_MAX. */
static ec_status best_exclusive(ec__pricing *pc, int64_t stacked, uint32_t *winner)
{
    ec_price_result *r = pc->r;
    int64_t best = stacked, v, lines;
    *winner = UINT32_MAX;
    for (uint32_t k = 0; k < r->nexcl; k++) {
        uint32_t pos = r->excl[k];
        ec__promo_result *pr = &r->promos[pos];
        if (pr->tier_miss) {
            r->reasons[pos] = EC__REASON_MIN_SUBTOTAL;
            continue;
        }
        EC_TRY(run_alone(pc, pos, 0, &lines, &v));
        if (r->reasons[pos]) continue;
        r->reasons[pos] = EC__REASON_NOT_BEST; /* until it wins */
        if (v > best) {
            best = v;
            *winner = pos;
        }
    }
    return EC_OK;
}

static ec_status apply_winner(ec__pricing *pc, uint32_t winner)
{
    ec_price_result *r = pc->r;
    int64_t v = 0, lines = 0;
    for (uint32_t k = 0; k < r->npass; k++) {
        ec__promo_result *pr = &r->promos[r->pass[k]];
        uint8_t *reason = &r->reasons[r->pass[k]];
        /* the stacked set lost as a whole: what passed its checks there
         * (applied, stopped, took nothing, lost in its group) is excluded */
        if (pr->applied || *reason == EC__REASON_STOPPED || *reason == EC__REASON_NO_DISCOUNT ||
            *reason == EC__REASON_NOT_BEST_IN_GROUP) {
            pr->applied = 0;
            pr->amount = 0;
            *reason = EC__REASON_EXCLUDED;
        }
    }
    start_recording(r);
    r->reasons[winner] = EC__REASON_NONE;
    r->promos[winner].applied = 1;
    pc->first_free = is_free_shipping(r->promo_list[winner]) ? winner : UINT32_MAX;
    return run_alone(pc, winner, 1, &lines, &v);
}

/* The discounts each line took, in evaluation order. */
static void count_discounts(ec_price_result *r)
{
    r->ndiscounts = 0;
    for (uint32_t i = 0; i < r->nlines; i++) {
        r->lines[i].disc_n = r->disc_end[i] - r->lines[i].disc_off;
        r->ndiscounts += r->lines[i].disc_n;
    }
}

/* The shipping discount goes to the first applied free_shipping. */
static ec_status free_shipping(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    uint32_t pos = pc->first_free;
    if (pos == UINT32_MAX) return EC_OK;
    EC_TRY(ec__shipping_fee(pc, r->nets, &r->shipping_discount));
    EC_TRY(add_value(pc, r->promos[pos].amount, r->shipping_discount, &r->promos[pos].amount));
    r->ship_promo = pos;
    return EC_OK;
}

/* A coupon is applied when an applied promotion used it: the first of the
 * promotion's codes the cart presents that is not used up.  Each known
 * coupon asks the promotions holding its code. */
static void coupon_statuses(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const ec_ruleset *rs = pc->rs;
    for (uint32_t k = 0; k < r->ncoupons; k++) {
        uint32_t id = r->coupons[k].id;
        if (id == EC__SYM_NONE) continue;
        for (uint32_t i = rs->code_off[id]; i < rs->code_off[id + 1]; i++) {
            uint32_t pos = rs->code_pos[i];
            if (ec__promo_applied(r, pos) && r->coupon_use[pos] == k)
                r->coupons[k].status = EC__COUPON_APPLIED;
        }
    }
}

ec_status ec__price_promotions(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const ec_ruleset *rs = pc->rs;
    size_t n = rs->ncart_promos;
    void **const lists[] = {(void **)&r->pass, (void **)&r->excl};
    if (!ec__result_reserve(r, (void **)&r->promos, &r->promos_cap, n, sizeof *r->promos) ||
        (r->pass_cap < n &&
         !ec__result_reserve_same(r, lists, 2, &r->pass_cap, n, sizeof *r->pass)) ||
        !ec__result_reserve(r, (void **)&r->coupons, &r->coupons_cap, pc->cart->ncoupons,
                            sizeof *r->coupons))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    r->promo_list = rs->cart_promos;
    r->json_heads = rs->cart_json_heads;
    r->npromos = (uint32_t)n;
    r->ntargets = 0;
    r->ship_promo = UINT32_MAX;
    EC_TRY(ec__check_promotions(pc));
    int64_t stacked = 0; /* set by run_stacked; the compiler cannot tell */
    uint32_t winner = UINT32_MAX;
    EC_TRY(run_stacked(pc, &stacked));
    if (r->nexcl) {
        EC_TRY(best_exclusive(pc, stacked, &winner));
        if (winner != UINT32_MAX) EC_TRY(apply_winner(pc, winner));
    }
    for (uint32_t i = 0; i < r->nlines; i++) r->lines[i].net = r->nets[i];
    count_discounts(r);
    EC_TRY(free_shipping(pc));
    coupon_statuses(pc);
    return EC_OK;
}
