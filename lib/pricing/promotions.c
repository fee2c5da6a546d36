/* promotions.c - formats.md 3.2 and 3.3: cart promotions in order, each
 * with the reason it did or did not apply, and the best exclusive deal. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

/* ---- checks that do not depend on other promotions ----------------------- */

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

/* The cart's distinct coupons (ec__ascii_casecmp), each with its id in the
 * ruleset's coupon index, found once per cart: the checks then compare ids.
 * A known code is some cart promotion's, so it is at least not_applicable. */
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
    }
}

static int has_coupon(const ec__pricing *pc, uint32_t id)
{
    for (uint32_t k = 0; k < pc->r->ncoupons; k++)
        if (pc->r->coupons[k].id == id) return 1;
    return 0;
}

static int limit_reached(const ec__pricing *pc, const ec__promotion *p)
{
    if (!p->has_usage_limit) return 0;
    for (uint32_t i = 0; i < pc->cart->nuses; i++) {
        const ec__str *id = &pc->cart->uses[i].id;
        if (id->n == p->id.n && memcmp(id->p, p->id.p, id->n) == 0)
            return pc->cart->uses[i].uses >= p->usage_limit;
    }
    return p->usage_limit <= 0;
}

/* The checks of 3.2 up to min_subtotal that read the promotion's sets,
 * coupon or limits: only for promotions whose check record flags them. */
static uint8_t context_reason(const ec__pricing *pc, const ec__promotion *p)
{
    if (p->coupon.n && !has_coupon(pc, p->coupon_id)) return EC__REASON_COUPON_MISSING;
    if (!ec__symset_has(&p->groups, pc->group)) return EC__REASON_CUSTOMER_GROUP;
    if (!ec__symset_has(&p->channels, pc->channel)) return EC__REASON_CHANNEL;
    if (!ec__symset_has(&p->countries, pc->country)) return EC__REASON_COUNTRY;
    return EC__REASON_NONE;
}

static uint8_t limits_reason(const ec__pricing *pc, const ec__promotion *p)
{
    int64_t min = 0;
    if (limit_reached(pc, p)) return EC__REASON_USAGE_LIMIT;
    if (ec__money_in(&p->min_subtotal, pc->cur, &min) && pc->subtotal < min)
        return EC__REASON_MIN_SUBTOTAL;
    return EC__REASON_NONE;
}

/* Checks that need neither the target lines nor other promotions, in the
 * order of 3.2; most promotions are decided by their check record alone. */
static uint8_t static_reason(const ec__pricing *pc, const ec__promo_check *c,
                             const ec__promotion *p)
{
    uint8_t reason;
    if ((c->flags & EC__CHK_FROM) && pc->at < c->from) return EC__REASON_NOT_STARTED;
    if ((c->flags & EC__CHK_TO) && pc->at >= c->to) return EC__REASON_EXPIRED;
    if ((c->flags & EC__CHK_CONTEXT) && (reason = context_reason(pc, p))) return reason;
    if (!((c->currencies[pc->cur >> 6] >> (pc->cur & 63)) & 1)) return EC__REASON_CURRENCY;
    return (c->flags & EC__CHK_LIMITS) ? limits_reason(pc, p) : EC__REASON_NONE;
}

/* Stamp the promotions some line targets (by the lines' SKU entries), and
 * note whether a line's SKU is in some exclude_skus.  The marks array is
 * cleared only when it is new or the stamp wraps. */
static ec_status mark_targeted(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const uint32_t *refs = pc->rs->promo_refs;
    uint32_t cap = r->marks_cap;
    if (!ec__result_reserve(r, (void **)&r->marks, &r->marks_cap, r->npromos, sizeof *r->marks))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    if (++r->stamp == 0 || cap != r->marks_cap) {
        if (r->marks) memset(r->marks, 0, (size_t)r->marks_cap * sizeof *r->marks);
        r->stamp = 1;
    }
    pc->excludable = 0;
    for (uint32_t i = 0; i < r->nlines; i++) {
        const ec__sku_info *info = r->lines[i].info;
        for (uint32_t k = 0; k < info->cp_n; k++) r->marks[refs[info->cp_off + k]] = r->stamp;
        pc->excludable |= info->excluded;
    }
    return EC_OK;
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
        uint8_t reason = quick ? EC__REASON_NONE : static_reason(pc, c, r->promo_list[pos]);
        if (!reason && !(c->flags & EC__CHK_ALL_LINES) && marks[pos] != stamp)
            reason = EC__REASON_NO_TARGET_LINES;
        promos[pos] = (ec__promo_result){.reason = reason};
        if (!reason) pass[npass++] = pos;
    }
    r->npass = npass;
}

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

/* All lines less exclude_skus: the shared list when no line is excluded,
 * else a list of its own after the others. */
static ec_status all_lines_targets(ec__pricing *pc, const ec__promotion *p, ec__promo_result *pr)
{
    ec_price_result *r = pc->r;
    uint32_t excluded = 0;
    pr->tgt_off = 0;
    pr->tgt_n = r->nlines;
    if (!p->nexclude_idx || !pc->excludable) return EC_OK;
    for (uint32_t i = 0; i < r->nlines && !excluded; i++)
        excluded = ec__line_excluded(pc->rs, p, r->lines[i].info);
    if (!excluded) return EC_OK;
    if (!ec__result_reserve(r, (void **)&r->targets, &r->targets_cap,
                            (size_t)r->ntargets + r->nlines, sizeof *r->targets))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    pr->tgt_off = r->ntargets;
    for (uint32_t i = 0; i < r->nlines; i++)
        if (!ec__line_excluded(pc->rs, p, r->lines[i].info)) r->targets[r->ntargets++] = i;
    pr->tgt_n = r->ntargets - pr->tgt_off;
    return EC_OK;
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

/* The checks on target lines, for the promotions that passed the others;
 * the pass list keeps those that still pass.  *any_exclusive tells
 * whether an exclusive one is among them. */
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
        if (c->flags & EC__CHK_ALL_LINES) EC_TRY(all_lines_targets(pc, r->promo_list[pos], pr));
        int shared = pr->tgt_off == 0 && pr->tgt_n == r->nlines;
        if (pr->tgt_n == 0)
            pr->reason = EC__REASON_NO_TARGET_LINES;
        else if (c->min_quantity > 0 &&
                 (shared ? cart_quantity : target_quantity(pc, pr)) < c->min_quantity)
            pr->reason = EC__REASON_MIN_QUANTITY;
        else if (c->action == EC__ACT_TIERED_PERCENT)
            choose_tier(pc, r->promo_list[pos], pr);
        if (pr->reason) continue;
        r->pass[kept++] = pos;
        *any_exclusive |= c->stacking == EC__EXCLUSIVE;
    }
    r->npass = kept;
    return EC_OK;
}

/* ---- evaluation ------------------------------------------------------------ */

ec_status ec__record_discounts(ec__pricing *pc, uint32_t pos, const ec__promo_result *pr,
                               const int64_t *d)
{
    ec_price_result *r = pc->r;
    if (!ec__result_reserve(r, (void **)&r->raw, &r->raw_cap, (size_t)r->nraw + pr->tgt_n,
                            sizeof *r->raw))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t k = 0; k < pr->tgt_n; k++) {
        uint32_t i = r->targets[pr->tgt_off + k];
        if (d[i] > 0) r->raw[r->nraw++] = (ec__raw_discount){pos, i, d[i]};
    }
    return EC_OK;
}

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

/* Every passing non-exclusive promotion in order, on r->nets; records
 * their discounts and returns the set's value. */
static ec_status run_stacked(ec__pricing *pc, int64_t *value)
{
    ec_price_result *r = pc->r;
    int stopped = 0, has_free = 0;
    int64_t total = 0, ship;
    r->nraw = 0;
    reset_nets(pc, r->nets);
    for (uint32_t k = 0; k < r->npass; k++) {
        uint32_t pos = r->pass[k];
        const ec__promotion *p = r->promo_list[pos];
        ec__promo_result *pr = &r->promos[pos];
        if (p->stacking == EC__EXCLUSIVE) continue;
        if (stopped) {
            pr->reason = EC__REASON_STOPPED;
            continue;
        }
        if (pr->tier_miss) {
            pr->reason = EC__REASON_MIN_SUBTOTAL;
            continue;
        }
        EC_TRY(ec__apply_action(pc, p, pr, r->nets, r->d, &pr->amount));
        EC_TRY(ec__record_discounts(pc, pos, pr, r->d));
        pr->applied = 1;
        EC_TRY(add_value(pc, total, pr->amount, &total));
        has_free |= p->action.type == EC__ACT_FREE_SHIPPING;
        stopped = p->stacking == EC__STOP;
    }
    EC_TRY(shipping_value(pc, r->nets, has_free, &ship));
    return add_value(pc, total, ship, value);
}

/* One exclusive promotion alone on the nets of 3.1; record when final. */
static ec_status run_alone(ec__pricing *pc, uint32_t pos, int record, int64_t *value)
{
    ec_price_result *r = pc->r;
    const ec__promotion *p = r->promo_list[pos];
    ec__promo_result *pr = &r->promos[pos];
    /* trials work on their own nets so that the stacked set's survive */
    int64_t ship, *nets = record ? r->nets : r->trial;
    reset_nets(pc, nets);
    EC_TRY(ec__apply_action(pc, p, pr, nets, r->d, &pr->amount));
    if (record) EC_TRY(ec__record_discounts(pc, pos, pr, r->d));
    EC_TRY(shipping_value(pc, nets, p->action.type == EC__ACT_FREE_SHIPPING, &ship));
    return add_value(pc, pr->amount, ship, value);
}

/* 3.3: the largest value wins; ties favour the stacked set, then the
 * earlier exclusive.  Returns the winning position or UINT32_MAX. */
static ec_status best_exclusive(ec__pricing *pc, int64_t stacked, uint32_t *winner)
{
    ec_price_result *r = pc->r;
    int64_t best = stacked, v;
    *winner = UINT32_MAX;
    for (uint32_t k = 0; k < r->npass; k++) {
        uint32_t pos = r->pass[k];
        ec__promo_result *pr = &r->promos[pos];
        if (r->promo_list[pos]->stacking != EC__EXCLUSIVE) continue;
        if (pr->tier_miss) {
            pr->reason = EC__REASON_MIN_SUBTOTAL;
            continue;
        }
        EC_TRY(run_alone(pc, pos, 0, &v));
        pr->reason = EC__REASON_NOT_BEST; /* until it wins */
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
    int64_t v = 0;
    for (uint32_t k = 0; k < r->npass; k++) {
        ec__promo_result *pr = &r->promos[r->pass[k]];
        /* "stopped" was only true of the stacked set, which lost */
        if (pr->applied || pr->reason == EC__REASON_STOPPED) {
            pr->applied = 0;
            pr->amount = 0;
            pr->reason = EC__REASON_EXCLUDED;
        }
    }
    r->nraw = 0;
    r->promos[winner].reason = EC__REASON_NONE;
    r->promos[winner].applied = 1;
    return run_alone(pc, winner, 1, &v);
}

/* Group raw discounts by line, keeping evaluation order within a line. */
static ec_status group_discounts(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    if (!ec__result_reserve(r, (void **)&r->discounts, &r->discounts_cap, r->nraw,
                            sizeof *r->discounts))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t i = 0; i < r->nlines; i++) r->lines[i].disc_n = 0;
    for (uint32_t k = 0; k < r->nraw; k++) r->lines[r->raw[k].line].disc_n++;
    for (uint32_t i = 0, off = 0; i < r->nlines; i++) {
        r->lines[i].disc_off = off;
        off += r->lines[i].disc_n;
        r->lines[i].disc_n = 0;
    }
    for (uint32_t k = 0; k < r->nraw; k++) {
        ec__line_result *l = &r->lines[r->raw[k].line];
        r->discounts[l->disc_off + l->disc_n++] =
            (ec__line_discount){r->raw[k].promo, r->raw[k].amount};
    }
    r->ndiscounts = r->nraw;
    return EC_OK;
}

/* The shipping discount goes to the first applied free_shipping (every
 * applied promotion is on the pass list). */
static ec_status free_shipping(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    for (uint32_t k = 0; k < r->npass; k++) {
        uint32_t pos = r->pass[k];
        if (!r->promos[pos].applied || r->promo_list[pos]->action.type != EC__ACT_FREE_SHIPPING)
            continue;
        EC_TRY(ec__shipping_fee(pc, r->nets, &r->shipping_discount));
        EC_TRY(add_value(pc, r->promos[pos].amount, r->shipping_discount, &r->promos[pos].amount));
        break;
    }
    return EC_OK;
}

/* A coupon is applied when some applied promotion has its code (every
 * applied promotion is on the pass list). */
static void coupon_statuses(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    for (uint32_t k = 0; k < r->npass && r->ncoupons; k++) {
        uint32_t pos = r->pass[k], id = r->promo_list[pos]->coupon_id;
        if (!r->promos[pos].applied || id == EC__SYM_NONE) continue;
        for (uint32_t c = 0; c < r->ncoupons; c++)
            if (r->coupons[c].id == id) r->coupons[c].status = EC__COUPON_APPLIED;
    }
}

ec_status ec__price_promotions(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const ec_ruleset *rs = pc->rs;
    size_t n = rs->ncart_promos;
    if (!ec__result_reserve(r, (void **)&r->promos, &r->promos_cap, n, sizeof *r->promos) ||
        !ec__result_reserve(r, (void **)&r->pass, &r->pass_cap, n, sizeof *r->pass) ||
        !ec__result_reserve(r, (void **)&r->coupons, &r->coupons_cap, pc->cart->ncoupons,
                            sizeof *r->coupons))
        return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    r->promo_list = rs->cart_promos;
    r->json_heads = rs->cart_json_heads;
    r->npromos = (uint32_t)n;
    r->ntargets = r->nraw = 0;
    int64_t quantity = 0;
    for (uint32_t i = 0; i < r->nlines; i++) quantity += r->lines[i].quantity; /* no overflow */
    match_coupons(pc);
    EC_TRY(mark_targeted(pc));
    check_all_static(pc);
    EC_TRY(index_targets(pc));
    int any_exclusive;
    EC_TRY(check_all_targets(pc, quantity, &any_exclusive));
    int64_t stacked = 0; /* set by run_stacked; the compiler cannot tell */
    uint32_t winner = UINT32_MAX;
    EC_TRY(run_stacked(pc, &stacked));
    if (any_exclusive) {
        EC_TRY(best_exclusive(pc, stacked, &winner));
        if (winner != UINT32_MAX) EC_TRY(apply_winner(pc, winner));
    }
    for (uint32_t i = 0; i < r->nlines; i++) r->lines[i].net = r->nets[i];
    EC_TRY(group_discounts(pc));
    EC_TRY(free_shipping(pc));
    coupon_statuses(pc);
    return EC_OK;
}
