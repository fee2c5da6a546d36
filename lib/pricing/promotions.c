/* promotions.c - the checks of every cart promotion, in their order, and
 * the lines each works on; evaluate.c applies the ones that pass.
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

/* ---- a new cart ------------------------------------------------------------- */

/* The per-position arrays (marks, coupon_seen, coupon_use) at the size of
 * the ruleset's promotions, and a new stamp; cleared only when new or when
 * the stamp wraps. */
static ec_status begin_cart(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    void **const arrays[] = {(void **)&r->marks, (void **)&r->coupon_seen, (void **)&r->coupon_use};
    int clear = 0;
    if (r->marks_cap < r->npromos) {
        if (!ec__result_reserve_same(r, arrays, 3, &r->marks_cap, r->npromos, sizeof(uint32_t)))
            return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
        clear = 1; /* grown: cleared now, whatever fails next */
    }
    if (!ec__result_reserve(r, (void **)&r->dyn, &r->dyn_cap, r->npromos, sizeof *r->dyn))
        clear = -1;
    if (clear || ++r->stamp == 0) {
        for (size_t k = 0; k < 3; k++)
            if (*arrays[k]) memset(*arrays[k], 0, (size_t)r->marks_cap * sizeof(uint32_t));
        r->stamp = 1;
    }
    return clear < 0 ? ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL) : EC_OK;
}

/* ---- coupons -------------------------------------------------------------------- */

/* Whether an earlier coupon of the cart has this code: known codes compare
 * by id, and an unknown code never equals a known one. */
static int seen_coupon(const ec_price_result *r, const ec__str *code, uint32_t id)
{
    for (uint32_t k = 0; k < r->ncoupons; k++) {
        const ec__coupon_result *seen = &r->coupons[k];
        if (seen->id != id) continue;
        if (id != EC__SYM_NONE) return 1;
        if (ec__ascii_casecmp(seen->code.p, seen->code.n, code->p, code->n) == 0) return 1;
    }
    return 0;
}

/* Coupon k of the result activates the promotions that hold its code:
 * each notes that the cart presents one of its codes, and the first one
 * (in cart order) not used up under its code_usage_limit. */
static void activate(ec__pricing *pc, uint32_t k)
{
    ec_price_result *r = pc->r;
    const ec_ruleset *rs = pc->rs;
    const ec__coupon_result *c = &r->coupons[k];
    int64_t uses =
        pc->cart->coupon_uses.n ? ec__counts_get(&pc->cart->coupon_uses, c->code.p, c->code.n) : 0;
    for (uint32_t i = rs->code_off[c->id]; i < rs->code_off[c->id + 1]; i++) {
        uint32_t pos = rs->code_pos[i];
        const ec__promotion *p = r->promo_list[pos];
        if (r->coupon_seen[pos] != r->stamp) {
            r->coupon_seen[pos] = r->stamp;
            r->coupon_use[pos] = UINT32_MAX;
        }
        if (r->coupon_use[pos] == UINT32_MAX && !(p->has_code_limit && uses >= p->code_limit))
            r->coupon_use[pos] = k;
    }
}

/* The cart's distinct coupons (ec__ascii_casecmp), each with its id in the
 * ruleset's coupon index, found once per cart: the checks then read the
 * marks activate() leaves.  A known code is some cart promotion's, so it
 * is at least not_applicable. */
static void match_coupons(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    char lower[EC__ID_MAX];
    r->ncoupons = 0;
    for (uint32_t c = 0; c < pc->cart->ncoupons; c++) {
        const ec__str *code = &pc->cart->coupons[c];
        uint32_t id = EC__SYM_NONE;
        if (code->n <= sizeof lower) { /* always: codes are identifiers */
            ec__ascii_lower(lower, code->p, code->n);
            uint32_t found = ec__strmap_get(&pc->rs->coupon_index, lower, code->n);
            if (found != EC__STRMAP_NONE) id = found;
        }
        if (seen_coupon(r, code, id)) continue;
        r->coupons[r->ncoupons++] = (ec__coupon_result){
            .code = *code,
            .id = id,
            .status = id == EC__SYM_NONE ? EC__COUPON_UNKNOWN : EC__COUPON_NOT_APPLICABLE};
        if (id != EC__SYM_NONE) activate(pc, r->ncoupons - 1);
    }
}

/* ---- checks that do not depend on other promotions ------------------------------- */

/* The checks up to currency that read the promotion's sets and coupons:
 * only for promotions whose check record flags them. */
static uint8_t context_reason(const ec__pricing *pc, const ec__promotion *p, uint32_t pos)
{
    if (p->ncoupons && pc->r->coupon_seen[pos] != pc->r->stamp) return EC__REASON_COUPON_MISSING;
    if (!ec__symset_has(&p->groups, pc->group)) return EC__REASON_CUSTOMER_GROUP;
    if (!ec__symset_has(&p->channels, pc->channel)) return EC__REASON_CHANNEL;
    if (!ec__symset_has(&p->countries, pc->country)) return EC__REASON_COUNTRY;
    return EC__REASON_NONE;
}

/* A limit is reached when the count the cart brings (absent: 0) is at it. */
static int reached(const ec__counts *counts, const ec__promotion *p, int64_t limit)
{
    return ec__counts_get(counts, p->id.p, p->id.n) >= limit;
}

static uint8_t limits_reason(const ec__pricing *pc, const ec__promotion *p, uint32_t pos)
{
    int64_t min = 0, left = 0;
    if (p->has_usage_limit && reached(&pc->cart->uses, p, p->usage_limit))
        return EC__REASON_USAGE_LIMIT;
    if (p->has_customer_limit && reached(&pc->cart->customer_uses, p, p->customer_limit))
        return EC__REASON_CUSTOMER_LIMIT;
    /* the cart presents one of its codes (coupon_missing came first) */
    if (p->has_code_limit && pc->r->coupon_use[pos] == UINT32_MAX) return EC__REASON_COUPON_USED_UP;
    if (p->budget.n && ec__budget_left(pc, p, &left) && left <= 0)
        return EC__REASON_BUDGET_EXHAUSTED;
    if (ec__money_in(&p->min_subtotal, pc->cur, &min) && pc->subtotal < min)
        return EC__REASON_MIN_SUBTOTAL;
    return EC__REASON_NONE;
}

/* Checks that need neither the target lines nor other promotions, in
 * order; most promotions are decided by their check record alone. */
static uint8_t static_reason(const ec__pricing *pc, const ec__promo_check *c,
                             const ec__promotion *p, uint32_t pos)
{
    uint8_t reason;
    if ((c->flags & EC__CHK_FROM) && pc->at < c->from) return EC__REASON_NOT_STARTED;
    if ((c->flags & EC__CHK_TO) && pc->at >= c->to) return EC__REASON_EXPIRED;
    if ((c->flags & EC__CHK_CONTEXT) && (reason = context_reason(pc, p, pos))) return reason;
    if (!((c->currencies[pc->cur >> 6] >> (pc->cur & 63)) & 1)) return EC__REASON_CURRENCY;
    return (c->flags & EC__CHK_LIMITS) ? limits_reason(pc, p, pos) : EC__REASON_NONE;
}

/* Stamp the promotions some line targets (by the lines' SKU entries), and
 * note whether a line's SKU is in some exclude_skus. */
static void mark_targeted(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const uint32_t *refs = pc->rs->promo_refs;
    pc->excludable = 0;
    for (uint32_t i = 0; i < r->nlines; i++) {
        const ec__sku_info *info = r->lines[i].info;
        for (uint32_t k = 0; k < info->cp_n; k++) r->marks[refs[info->cp_off + k]] = r->stamp;
        pc->excludable |= info->excluded;
    }
}

/* Every promotion's result starts here, written whole (no separate
 * clearing pass); those that pass go on the pass list.  A targeted one
 * that no line targets is decided here too (its last check). */
static void check_all_static(ec__pricing *pc)
{
    /* locals: the stores below could alias anything read through r or pc */
    ec_price_result *r = pc->r;
    const ec__promo_check *checks = pc->rs->cart_checks;
    ec__promo_result *promos = r->promos;
    const uint32_t *marks = r->marks, stamp = r->stamp;
    uint32_t *pass = r->pass, npass = 0, n = r->npromos, word = (uint32_t)pc->cur >> 6;
    uint64_t bit = (uint64_t)1 << (pc->cur & 63);
    int64_t at = pc->at;
    for (uint32_t pos = 0; pos < n; pos++) {
        const ec__promo_check *c = &checks[pos];
        /* inside the window, no context or limits, the currency: passes;
         * else the checks in order say which one fails */
        int quick = !(c->flags & EC__CHK_FULL) && at >= c->from && at < c->to &&
                    (c->currencies[word] & bit);
        uint8_t reason = quick ? EC__REASON_NONE : static_reason(pc, c, r->promo_list[pos], pos);
        if (!reason && !(c->flags & EC__CHK_ALL_LINES) && marks[pos] != stamp)
            reason = EC__REASON_NO_TARGET_LINES;
        promos[pos] = (ec__promo_result){.reason = reason};
        if (!reason) pass[npass++] = pos;
    }
    r->npass = npass;
}

/* ---- target lines ------------------------------------------------------------------- */

/* Target lines of every targeted promotion that passed so far, from the
 * lines' SKU entries (each lists the promotions that target it), in line
 * order and without visiting promotions that target nothing here.  The
 * first nlines targets are every line, shared by the promotions that
 * target all lines; a list of its own starts after them, so tgt_off 0
 * still means "no list yet" during the second pass. */
static ec_status index_targets(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const uint32_t *refs = pc->rs->promo_refs;
    size_t total = r->nlines;
    for (uint32_t i = 0; i < r->nlines; i++) {
        const ec__sku_info *info = r->lines[i].info;
        for (uint32_t k = 0; k < info->cp_n; k++) {
            ec__promo_result *pr = &r->promos[refs[info->cp_off + k]];
            if (!pr->reason) pr->tgt_n++;
        }
        total += info->cp_n;
    }
    if (!ec__result_reserve(r, (void **)&r->targets, &r->targets_cap, total, sizeof *r->targets))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    uint32_t off = r->nlines;
    for (uint32_t i = 0; i < r->nlines; i++) {
        const ec__sku_info *info = r->lines[i].info;
        r->targets[i] = i;
        for (uint32_t k = 0; k < info->cp_n; k++) {
            ec__promo_result *pr = &r->promos[refs[info->cp_off + k]];
            if (pr->reason) continue;
            if (pr->tgt_off == 0) {
                pr->tgt_off = off;
                off += pr->tgt_n;
                pr->tgt_n = 0;
            }
            r->targets[pr->tgt_off + pr->tgt_n++] = i;
        }
    }
    r->ntargets = off;
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
    return r->lines[i].product_promo == NULL && !r->taken[i];
}

/* The tier with the greatest min_subtotal <= the target subtotals. */
static void choose_tier(const ec__pricing *pc, const ec__promotion *p, ec__promo_result *pr)
{
    int64_t sum = 0, best = -1, min = 0;
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
    if (c->action == EC__ACT_TIERED_PERCENT) choose_tier(pc, r->promo_list[pos], pr);
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

/* The checks on target lines, for the promotions that passed the others;
 * the pass list keeps those that still pass. */
static ec_status check_all_targets(ec__pricing *pc, int64_t cart_quantity, int *any_exclusive)
{
    ec_price_result *r = pc->r;
    const ec__promo_check *checks = pc->rs->cart_checks;
    uint32_t kept = 0;
    *any_exclusive = 0;
    for (uint32_t k = 0; k < r->npass; k++) {
        uint32_t pos = r->pass[k];
        const ec__promo_check *c = &checks[pos];
        ec__promo_result *pr = &r->promos[pos];
        if (c->flags & EC__CHK_ALL_LINES) {
            pr->tgt_off = 0; /* the shared list of every line, unless some are excluded */
            pr->tgt_n = r->nlines;
            if ((c->flags & EC__CHK_EXCLUDES) && pc->excludable)
                EC_TRY(
                    all_lines_targets(pc, &r->promo_list[pos]->target, &pr->tgt_off, &pr->tgt_n));
        }
        if (c->dyn & EC__DYN_EXCLUDE_DISCOUNTED)
            EC_TRY(filter_lines(pc, &pr->tgt_off, &pr->tgt_n, not_on_sale));
        /* a marked or every-line list is never empty: most promotions have
         * no quantity or tier to check on it either */
        int plain = !(c->dyn & EC__DYN_EXCLUDE_DISCOUNTED) && c->min_quantity <= 0 &&
                    c->action != EC__ACT_TIERED_PERCENT && pr->tgt_n;
        if (!plain && (pr->reason = target_reason(pc, pos, cart_quantity))) continue;
        if (c->dyn & (EC__DYN_EXCLUDE_DISCOUNTED | EC__DYN_REWARD)) EC_TRY(keep_lines(pc, pos));
        r->pass[kept++] = pos;
        *any_exclusive |= c->stacking == EC__EXCLUSIVE;
    }
    r->npass = kept;
    return EC_OK;
}

ec_status ec__check_promotions(ec__pricing *pc, int *any_exclusive)
{
    ec_price_result *r = pc->r;
    int64_t quantity = 0;
    for (uint32_t i = 0; i < r->nlines; i++) quantity += r->lines[i].quantity; /* no overflow */
    EC_TRY(begin_cart(pc));
    match_coupons(pc);
    mark_targeted(pc);
    check_all_static(pc);
    EC_TRY(index_targets(pc));
    return check_all_targets(pc, quantity, any_exclusive);
}

/* ---- lines at evaluation ------------------------------------------------------------- */

uint8_t ec__promo_lines(ec__pricing *pc, uint32_t pos, ec_status *failed)
{
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
        if ((*failed = filter_lines(pc, &pr->tgt_off, &pr->tgt_n, not_discounted)) != EC_OK)
            return EC__REASON_NONE;
        if ((dyn & EC__DYN_REWARD) &&
            (*failed = filter_lines(pc, &rw_off, &rw_n, not_discounted)) != EC_OK)
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
