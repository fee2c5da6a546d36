/* promotions.c - the checks of every cart promotion on its target lines,
 * and the lines each works on; eligible.c decides the checks before them
 * and evaluate.c applies the promotions that pass.
 *
 * The order of the reasons: not_started, expired, coupon_missing,
 * customer_group, channel, country, currency, usage_limit_reached,
 * customer_usage_limit_reached, coupon_used_up, budget_exhausted,
 * min_subtotal, no_target_lines, min_quantity; evaluation adds stopped,
 * min_subtotal for a tiered_percent below its tiers, no_discount,
 * not_best_in_group, excluded and not_best. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

/* ---- target lines ------------------------------------------------------------------- */

/* Target lines of every targeted promotion that passed so far, from the
 * lines' SKU entries (each lists the promotions that target it), in line
 * order and without visiting promotions that target nothing here.  The
 * first nlines targets are every line, shared by the promotions that
 * target all lines; a list of its own starts after them, so tgt_off 0
 * still means "no list yet" during the second pass.
 *
 * Each line also gets room for its discounts: one from each promotion
 * that may take from it (those on every line that passed, those its SKU
 * entry lists as targeting or rewarding it, those rewarding every line),
 * so that a promotion writes a discount where it stays. */
static ec_status index_targets(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const uint32_t *refs = pc->rs->promo_refs;
    const uint8_t *reasons = r->reasons;
    ec__promo_result *promos = r->promos;
    uint32_t room = pc->all_passing + pc->rs->nall_reward, disc = 0, nlines = r->nlines;
    size_t total = nlines;
    for (uint32_t i = 0; i < nlines; i++) {
        const ec__sku_info *info = r->lines[i].info;
        for (uint32_t k = 0; k < info->cp_n; k++) {
            uint32_t pos = refs[info->cp_off + k];
            if (!reasons[pos]) promos[pos].tgt_n++;
        }
        total += info->cp_n;
    }
    if (!ec__result_reserve(r, (void **)&r->targets, &r->targets_cap, total, sizeof *r->targets))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    uint32_t off = nlines, *targets = r->targets;
    for (uint32_t i = 0; i < nlines; i++) {
        const ec__sku_info *info = r->lines[i].info;
        targets[i] = i;
        r->lines[i].disc_off = disc; /* at most a discount per promotion and line */
        disc += room + info->cp_n + info->rw_n;
        for (uint32_t k = 0; k < info->cp_n; k++) {
            uint32_t pos = refs[info->cp_off + k];
            ec__promo_result *pr = &promos[pos];
            if (reasons[pos]) continue;
            if (pr->tgt_off == 0) {
                pr->tgt_off = off;
                off += pr->tgt_n;
                pr->tgt_n = 0;
            }
            targets[pr->tgt_off + pr->tgt_n++] = i;
        }
    }
    r->ntargets = off;
    if (!ec__result_reserve(r, (void **)&r->discounts, &r->discounts_cap, disc,
                            sizeof *r->discounts))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    return EC_OK;
}

/* Room for one more list of up to nlines lines at the end of targets. */
static ec_status room_for_list(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    if (ec__result_reserve(r, (void **)&r->targets, &r->targets_cap,
                           (size_t)r->ntargets + r->nlines, sizeof *r->targets))
        return EC_OK;
    return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
}

/* Lines in all lines less a target's exclude_skus: 1 when some is out. */
static int any_excluded(const ec__pricing *pc, const ec__target *t)
{
    if (!t->nexclude_idx || !pc->excludable) return 0;
    for (uint32_t i = 0; i < pc->r->nlines; i++)
        if (ec__line_excluded(pc->rs, t, pc->r->lines[i].info)) return 1;
    return 0;
}

/* All lines less exclude_skus: the shared list when no line is excluded,
 * else a list of its own after the others. */
static ec_status all_lines_targets(ec__pricing *pc, const ec__target *t, uint32_t *off, uint32_t *n)
{
    ec_price_result *r = pc->r;
    *off = 0;
    *n = r->nlines;
    if (!any_excluded(pc, t)) return EC_OK;
    EC_TRY(room_for_list(pc));
    *off = r->ntargets;
    for (uint32_t i = 0; i < r->nlines; i++)
        if (!ec__line_excluded(pc->rs, t, r->lines[i].info)) r->targets[r->ntargets++] = i;
    *n = r->ntargets - *off;
    return EC_OK;
}

/* Whether a reward_target (by the SKU index) holds a line's SKU. */
static int rewards(const ec__pricing *pc, uint32_t pos, const ec__sku_info *info)
{
    const uint32_t *refs = pc->rs->promo_refs + info->rw_off;
    for (uint32_t k = 0; k < info->rw_n; k++)
        if (refs[k] == pos) return 1;
    return 0;
}

/* The lines of a reward_target, into a list of their own. */
static ec_status reward_lines(ec__pricing *pc, uint32_t pos, ec__promo_dyn *dyn)
{
    ec_price_result *r = pc->r;
    const ec__target *t = &r->promo_list[pos]->action.reward;
    if (ec__target_all(t)) return all_lines_targets(pc, t, &dyn->rw_off, &dyn->rw_n);
    EC_TRY(room_for_list(pc));
    dyn->rw_off = r->ntargets;
    for (uint32_t i = 0; i < r->nlines; i++)
        if (rewards(pc, pos, r->lines[i].info)) r->targets[r->ntargets++] = i;
    dyn->rw_n = r->ntargets - dyn->rw_off;
    return EC_OK;
}

/* Keep the lines of list (off, n) that `keep` accepts, into a list of its
 * own (or the same list when it keeps them all). */
static ec_status filter_lines(ec__pricing *pc, uint32_t *off, uint32_t *n,
                              int (*keep)(const ec_price_result *, uint32_t))
{
    ec_price_result *r = pc->r;
    uint32_t k = 0;
    while (k < *n && keep(r, r->targets[*off + k])) k++;
    if (k == *n) return EC_OK;
    EC_TRY(room_for_list(pc));
    uint32_t from = *off, count = *n;
    *off = r->ntargets;
    for (k = 0; k < count; k++)
        if (keep(r, r->targets[from + k])) r->targets[r->ntargets++] = r->targets[from + k];
    *n = r->ntargets - *off;
    return EC_OK;
}

static int not_on_sale(const ec_price_result *r, uint32_t i)
{
    return r->lines[i].product_promo == NULL;
}

static int not_discounted(const ec_price_result *r, uint32_t i)
{
    return r->lines[i].product_promo == NULL && r->disc_end[i] == r->lines[i].disc_off;
}

/* The tier with the greatest min_subtotal <= the target subtotals. */
static void choose_tier(const ec__pricing *pc, const ec__promotion *p, ec__promo_result *pr,
                        int shared)
{
    int64_t sum = 0, best = -1, min = 0;
    if (shared) /* every line: the cart's subtotal */
        sum = pc->subtotal;
    else
        for (uint32_t k = 0; k < pr->tgt_n; k++)
            sum += pc->r->lines[pc->r->targets[pr->tgt_off + k]].subtotal; /* <= cart subtotal */
    pr->tier_miss = 1;
    for (uint32_t t = 0; t < p->action.ntiers; t++) {
        (void)ec__money_in(&p->action.tiers[t].min_subtotal, pc->cur, &min);
        if (min <= sum && min > best) {
            best = min;
            pr->tier = t;
            pr->tier_miss = 0;
        }
    }
}

static int64_t target_quantity(const ec__pricing *pc, const ec__promo_result *pr)
{
    int64_t quantity = 0;
    for (uint32_t k = 0; k < pr->tgt_n; k++)
        quantity += pc->r->lines[pc->r->targets[pr->tgt_off + k]].quantity;
    return quantity;
}

/* no_target_lines, min_quantity and the tier, on the target lines in pr;
 * cart_quantity (when >= 0) spares counting the shared list of every line. */
static uint8_t target_reason(const ec__pricing *pc, uint32_t pos, int64_t cart_quantity)
{
    const ec_price_result *r = pc->r;
    const ec__promo_check *c = &pc->rs->cart_checks[pos];
    ec__promo_result *pr = &pc->r->promos[pos];
    int shared = pr->tgt_off == 0 && pr->tgt_n == r->nlines && cart_quantity >= 0;
    if (pr->tgt_n == 0) return EC__REASON_NO_TARGET_LINES;
    if (c->min_quantity > 0 && (shared ? cart_quantity : target_quantity(pc, pr)) < c->min_quantity)
        return EC__REASON_MIN_QUANTITY;
    if (c->action == EC__ACT_TIERED_PERCENT) choose_tier(pc, r->promo_list[pos], pr, shared);
    return EC__REASON_NONE;
}

/* A promotion whose lines change as others apply keeps those found here. */
static ec_status keep_lines(ec__pricing *pc, uint32_t pos)
{
    ec_price_result *r = pc->r;
    ec__promo_dyn *dyn = &r->dyn[pos];
    dyn->base_off = r->promos[pos].tgt_off;
    dyn->base_n = r->promos[pos].tgt_n;
    dyn->rw_off = dyn->rw_n = 0;
    return pc->rs->cart_checks[pos].dyn & EC__DYN_REWARD ? reward_lines(pc, pos, dyn) : EC_OK;
}

/* The lines of a promotion that passed the other checks, and the checks
 * on them: *reason is the first that fails, or EC__REASON_NONE. */
static ec_status check_targets(ec__pricing *pc, uint32_t pos, int64_t cart_quantity,
                               uint8_t *reason)
{
    ec_price_result *r = pc->r;
    const ec__promo_check *c = &pc->rs->cart_checks[pos];
    ec__promo_result *pr = &r->promos[pos];
    *reason = EC__REASON_NONE;
    if (c->flags & EC__CHK_ALL_LINES) {
        pr->tgt_off = 0; /* the shared list of every line, unless some are excluded */
        pr->tgt_n = r->nlines;
        if ((c->flags & EC__CHK_EXCLUDES) && pc->excludable)
            EC_TRY(all_lines_targets(pc, &r->promo_list[pos]->target, &pr->tgt_off, &pr->tgt_n));
    }
    if (c->dyn & EC__DYN_EXCLUDE_DISCOUNTED)
        EC_TRY(filter_lines(pc, &pr->tgt_off, &pr->tgt_n, not_on_sale));
    /* most promotions have no quantity or tier to check on their lines */
    if (!((c->flags & EC__CHK_PLAIN_TARGETS) && pr->tgt_n) &&
        (*reason = target_reason(pc, pos, cart_quantity)))
        return EC_OK;
    return c->dyn & (EC__DYN_EXCLUDE_DISCOUNTED | EC__DYN_REWARD) ? keep_lines(pc, pos) : EC_OK;
}

/* The checks on target lines, for the promotions that passed the others:
 * those that still pass stay on the pass list, or go on the exclusive
 * list. */
static ec_status check_all_targets(ec__pricing *pc, int64_t cart_quantity)
{
    ec_price_result *r = pc->r;
    const ec__promo_check *checks = pc->rs->cart_checks;
    /* locals: the stores below could alias anything read through r */
    uint32_t *pass = r->pass, *excl = r->excl, npass = r->npass, kept = 0, nexcl = 0;
    for (uint32_t k = 0; k < npass; k++) {
        uint32_t pos = pass[k];
        /* a promotion whose lines are set and never empty has nothing to check */
        if (!(checks[pos].flags & EC__CHK_TARGETS_DONE)) {
            EC_TRY(check_targets(pc, pos, cart_quantity, &r->reasons[pos]));
            if (r->reasons[pos]) continue;
        }
        if (checks[pos].stacking == EC__EXCLUSIVE)
            excl[nexcl++] = pos;
        else
            pass[kept++] = pos;
    }
    r->npass = kept;
    r->nexcl = nexcl;
    return EC_OK;
}

ec_status ec__check_promotions(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    int64_t quantity = 0;
    for (uint32_t i = 0; i < r->nlines; i++) quantity += r->lines[i].quantity; /* no overflow */
    pc->quantity = quantity;
    EC_TRY(ec__check_context(pc));
    EC_TRY(index_targets(pc));
    return check_all_targets(pc, quantity);
}

/* ---- lines at evaluation ------------------------------------------------------------- */

uint8_t ec__promo_lines(ec__pricing *pc, uint32_t pos, int alone, ec_status *failed)
{
    int (*keep)(const ec_price_result *, uint32_t) = alone ? not_on_sale : not_discounted;
    ec_price_result *r = pc->r;
    uint8_t dyn = pc->rs->cart_checks[pos].dyn;
    ec__promo_result *pr = &r->promos[pos];
    ec__promo_dyn *d = &r->dyn[pos];
    uint32_t rw_off = d->rw_off, rw_n = d->rw_n;
    uint8_t reason = EC__REASON_NONE;
    *failed = EC_OK;
    if (!(dyn & (EC__DYN_EXCLUDE_DISCOUNTED | EC__DYN_REWARD))) return EC__REASON_NONE;
    pr->tgt_off = d->base_off;
    pr->tgt_n = d->base_n;
    if (dyn & EC__DYN_EXCLUDE_DISCOUNTED) {
        if ((*failed = filter_lines(pc, &pr->tgt_off, &pr->tgt_n, keep)) != EC_OK)
            return EC__REASON_NONE;
        if ((dyn & EC__DYN_REWARD) && (*failed = filter_lines(pc, &rw_off, &rw_n, keep)) != EC_OK)
            return EC__REASON_NONE;
        if ((reason = target_reason(pc, pos, -1))) return reason;
    }
    if (dyn & EC__DYN_REWARD) {
        d->units = target_quantity(pc, pr);
        pr->tgt_off = rw_off;
        pr->tgt_n = rw_n;
    }
    return EC__REASON_NONE;
}
