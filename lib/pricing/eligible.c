/* eligible.c - a new cart's coupons, and the checks of every cart
 * promotion before its target lines: not_started, expired,
 * coupon_missing, customer_group, channel, country, currency,
 * usage_limit_reached, customer_usage_limit_reached, coupon_used_up,
 * budget_exhausted, min_subtotal and no_target_lines, in that order.
 *
 * All but the limits are decided 64 promotions at a time on the bitsets the
 * ruleset compiled (lib/ruleset/eligibility.c); the promotions that pass go
 * on the pass list for promotions.c. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

/* ---- a new cart ------------------------------------------------------------- */

/* The per-position arrays at the size of the ruleset's promotions: the
 * coupon marks (a new stamp per cart; cleared only when new or when the
 * stamp wraps), the reasons and the bitsets (cleared per cart). */
static ec_status begin_cart(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    void **const arrays[] = {(void **)&r->coupon_seen, (void **)&r->coupon_use};
    void **const bits[] = {(void **)&r->seen_bits, (void **)&r->marked_bits,
                           (void **)&r->decided_bits, (void **)&r->window_bits};
    uint32_t words = pc->rs->elig.words;
    int clear = 0;
    if (r->stamp_cap < r->npromos) {
        if (!ec__result_reserve_same(r, arrays, 2, &r->stamp_cap, r->npromos, sizeof(uint32_t)))
            return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
        clear = 1; /* grown: cleared now, whatever fails next */
    }
    if (!ec__result_reserve(r, (void **)&r->dyn, &r->dyn_cap, r->npromos, sizeof *r->dyn) ||
        !ec__result_reserve(r, (void **)&r->reasons, &r->reasons_cap, r->npromos + 1, 1) ||
        (r->bits_cap < 2 * words + 1 &&
         !ec__result_reserve_same(r, bits, 4, &r->bits_cap, 2 * words + 1, sizeof(uint64_t))))
        clear = -1;
    if (clear || ++r->stamp == 0) {
        for (size_t k = 0; k < 2; k++)
            if (*arrays[k]) memset(*arrays[k], 0, (size_t)r->stamp_cap * sizeof(uint32_t));
        r->stamp = 1;
    }
    if (clear < 0) return ec__fail(pc->err, EC_NO_MEMORY, NULL, NULL);
    memset(r->seen_bits, 0, words * sizeof(uint64_t));
    memset(r->marked_bits, 0, words * sizeof(uint64_t));
    return EC_OK;
}

static void set_bit(uint64_t *bits, uint32_t pos)
{
    bits[pos >> 6] |= (uint64_t)1 << (pos & 63);
}

static int has_bit(const uint64_t *bits, uint32_t pos)
{
    return (bits[pos >> 6] >> (pos & 63)) & 1;
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
            set_bit(r->seen_bits, pos);
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

/* Mark the promotions some line targets (by the lines' SKU entries), and
 * note whether a line's SKU is in some exclude_skus. */
static void mark_targeted(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const uint32_t *refs = pc->rs->promo_refs;
    uint64_t *marked = r->marked_bits;
    pc->excludable = 0;
    for (uint32_t i = 0; i < r->nlines; i++) {
        const ec__sku_info *info = r->lines[i].info;
        for (uint32_t k = 0; k < info->cp_n; k++) set_bit(marked, refs[info->cp_off + k]);
        pc->excludable |= info->excluded;
    }
}

/* The promotions of `fail` not decided yet get `reason`; returns the
 * word of those decided now included. */
static uint64_t decide(uint8_t *reasons, uint32_t word, uint64_t decided, uint64_t fail,
                       uint8_t reason)
{
    uint64_t f = fail & ~decided;
    for (uint64_t b = f; b; b &= b - 1)
        reasons[(word << 6) + (uint32_t)__builtin_ctzll(b)] = reason;
    return decided | f;
}

/* The number of window events at or before `at`. */
static uint32_t events_before(const ec__eligibility *e, int64_t at)
{
    uint32_t lo = 0, hi = e->nevents;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e->event_at[mid] <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* not_started and expired: the checkpoint before the cart's time, and the
 * few events after it up to that time. */
static void check_windows(ec__pricing *pc, uint64_t *decided)
{
    const ec__eligibility *e = &pc->rs->elig;
    uint32_t w = e->words, k = events_before(e, pc->at), c = k / EC__WINDOW_STRIDE;
    uint64_t *ns = pc->r->window_bits, *ex = ns + w;
    memcpy(ns, e->checkpoints + (size_t)c * 2 * w, 2 * w * sizeof *ns);
    for (uint32_t i = c * EC__WINDOW_STRIDE; i < k; i++) {
        uint32_t pos = e->event[i] >> 1;
        if (e->event[i] & 1)
            set_bit(ex, pos);
        else
            ns[pos >> 6] &= ~((uint64_t)1 << (pos & 63));
    }
    for (uint32_t i = 0; i < w; i++) {
        uint64_t d = decide(pc->r->reasons, i, decided[i], ns[i], EC__REASON_NOT_STARTED);
        decided[i] = decide(pc->r->reasons, i, d, ex[i], EC__REASON_EXPIRED);
    }
}

/* The set of the cart's name in one dimension. */
static const uint64_t *name_set(const ec__pricing *pc, int dim, uint32_t sym)
{
    const ec__eligibility *e = &pc->rs->elig;
    return ec__elig_set(e, sym < pc->rs->nsymbols ? e->slot[dim][sym] : EC__SET_EMPTY);
}

/* coupon_missing, customer_group, channel, country and currency, a word of
 * promotions at a time, in that order. */
static void check_context(ec__pricing *pc, uint64_t *decided)
{
    const ec__eligibility *e = &pc->rs->elig;
    uint8_t *reasons = pc->r->reasons;
    const uint64_t *seen = pc->r->seen_bits, *coupons = ec__elig_set(e, EC__SET_COUPONS);
    const uint64_t *in[EC__DIMS] = {name_set(pc, EC__DIM_GROUP, pc->group),
                                    name_set(pc, EC__DIM_CHANNEL, pc->channel),
                                    name_set(pc, EC__DIM_COUNTRY, pc->country)};
    const uint64_t *cur = ec__elig_set(e, e->cur_slot[pc->cur]);
    static const uint8_t dim_reason[EC__DIMS] = {EC__REASON_CUSTOMER_GROUP, EC__REASON_CHANNEL,
                                                 EC__REASON_COUNTRY};
    for (uint32_t w = 0; w < e->words; w++) {
        uint64_t d =
            decide(reasons, w, decided[w], coupons[w] & ~seen[w], EC__REASON_COUPON_MISSING);
        for (int dim = 0; dim < EC__DIMS; dim++)
            d = decide(reasons, w, d, ec__elig_set(e, EC__SET_RESTRICTED + dim)[w] & ~in[dim][w],
                       dim_reason[dim]);
        decided[w] = decide(reasons, w, d, ~cur[w], EC__REASON_CURRENCY);
    }
}

/* The first minimum in currency cur above amount (sorted by currency,
 * then amount), or the end of cur's. */
static uint32_t first_above(const ec__eligibility *e, int32_t cur, int64_t amount)
{
    uint32_t lo = 0, hi = e->nminimums;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const ec__minimum *m = &e->minimums[mid];
        if (m->cur < cur || (m->cur == cur && m->amount <= amount))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Usage limits, budget and min_subtotal, for the promotions with one that
 * are still undecided. */
static void check_limits(ec__pricing *pc, uint64_t *decided)
{
    const ec__eligibility *e = &pc->rs->elig;
    /* a min_subtotal is their only limit: those above the subtotal fail */
    for (uint32_t k = first_above(e, pc->cur, pc->subtotal);
         k < e->nminimums && e->minimums[k].cur == pc->cur; k++) {
        uint32_t pos = e->minimums[k].pos;
        if (has_bit(decided, pos)) continue;
        pc->r->reasons[pos] = EC__REASON_MIN_SUBTOTAL;
        set_bit(decided, pos);
    }
    for (uint32_t k = 0; k < e->nlimited; k++) {
        uint32_t pos = e->limited[k];
        uint8_t reason;
        if (has_bit(decided, pos)) continue;
        if (!(reason = limits_reason(pc, pc->r->promo_list[pos], pos))) continue;
        pc->r->reasons[pos] = reason;
        set_bit(decided, pos);
    }
}

/* The checks before the target lines, in their order, for every
 * promotion: each gets its reason, or goes on the pass list with a fresh
 * result.  A targeted one that no line targets is decided here too (its
 * last check). */
static void check_all_static(ec__pricing *pc)
{
    ec_price_result *r = pc->r;
    const ec__eligibility *e = &pc->rs->elig;
    const uint64_t *all = ec__elig_set(e, EC__SET_ALL_LINES), *marked = r->marked_bits;
    uint64_t *decided = r->decided_bits;
    uint32_t *pass = r->pass, npass = 0, nlines = r->nlines;
    memset(decided, 0, e->words * sizeof *decided);
    if (r->npromos & 63) decided[e->words - 1] = ~(uint64_t)0 << (r->npromos & 63);
    /* the last and most common reason first: those decided before it, and
     * those that pass, are written over */
    memset(r->reasons, EC__REASON_NO_TARGET_LINES, r->npromos);
    check_windows(pc, decided);
    check_context(pc, decided);
    check_limits(pc, decided);
    pc->all_passing = 0;
    /* locals: a reason's store could alias anything read through r */
    uint8_t *reasons = r->reasons;
    ec__promo_result *promos = r->promos;
    for (uint32_t w = 0; w < e->words; w++) {
        uint64_t on_all = all[w], d = decided[w] | (~on_all & ~marked[w]);
        for (uint64_t b = ~d; b; b &= b - 1) {
            uint32_t bit = (uint32_t)__builtin_ctzll(b), pos = (w << 6) + bit;
            uint32_t every = (on_all >> bit) & 1;
            reasons[pos] = EC__REASON_NONE;
            /* one that targets every line starts with the shared list */
            promos[pos] = (ec__promo_result){.tgt_n = every ? nlines : 0};
            pc->all_passing += every;
            pass[npass++] = pos;
        }
    }
    r->npass = npass;
}

ec_status ec__check_context(ec__pricing *pc)
{
    EC_TRY(begin_cart(pc));
    match_coupons(pc);
    mark_targeted(pc);
    check_all_static(pc);
    return EC_OK;
}
