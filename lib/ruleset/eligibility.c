/* eligibility.c - the cart promotions' context checks, compiled to bitsets.
 *
 * Every cart runs the checks before the target lines (window, coupon,
 * customer group, channel, country, currency, limits) on every cart
 * promotion, yet most of them depend only on names the ruleset lists.
 * Compiling turns each into a bitset over the promotions' positions in
 * evaluation order: a cart picks, per dimension, the set of its own name
 * and decides 64 promotions with a few word operations; only the
 * promotions with a window or a limit are looked at one by one. */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "ruleset/model.h"

static void set_bit(uint64_t *set, uint32_t pos)
{
    set[pos >> 6] |= (uint64_t)1 << (pos & 63);
}

static const ec__symset *dim_set(const ec__promotion *p, int dim)
{
    return dim == EC__DIM_GROUP     ? &p->groups
           : dim == EC__DIM_CHANNEL ? &p->channels
                                    : &p->countries;
}

static int has_currency(const ec__promotion *p, uint32_t cur)
{
    return (p->currencies[cur >> 6] >> (cur & 63)) & 1;
}

static int no_money_fields(const ec__promotion *p)
{
    for (int w = 0; w < EC__CURRENCY_WORDS; w++)
        if (p->currencies[w] != UINT64_MAX) return 0;
    return 1;
}

/* A currency that some money field names gets a set of its own; all the
 * others share one, since only the promotions without money fields have
 * them.  Returns the next free slot. */
static uint32_t number_currencies(const ec_ruleset *rs, uint32_t *cur_slot, uint32_t ncur,
                                  uint32_t next)
{
    uint64_t named[EC__CURRENCY_WORDS] = {0};
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++) {
        const ec__promotion *p = rs->cart_promos[pos];
        if (no_money_fields(p)) continue;
        for (int w = 0; w < EC__CURRENCY_WORDS; w++) named[w] |= p->currencies[w];
    }
    uint32_t others = next++;
    for (uint32_t c = 0; c < ncur; c++)
        cur_slot[c] = (named[c >> 6] >> (c & 63)) & 1 ? next++ : others;
    return next;
}

/* Slots of every name a promotion lists, per dimension; returns the next
 * free slot. */
static uint32_t number_names(const ec_ruleset *rs, uint32_t *slot, uint32_t next)
{
    for (int dim = 0; dim < EC__DIMS; dim++)
        for (uint32_t pos = 0; pos < rs->ncart_promos; pos++) {
            const ec__symset *s = dim_set(rs->cart_promos[pos], dim);
            for (uint32_t i = 0; i < s->n; i++) {
                uint32_t *k = &slot[(size_t)dim * rs->nsymbols + s->ids[i]];
                if (!*k) *k = next++;
            }
        }
    return next;
}

static void fill_sets(const ec_ruleset *rs, const ec__eligibility *e, uint64_t *sets, uint32_t ncur)
{
    size_t w = e->words;
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++) {
        const ec__promotion *p = rs->cart_promos[pos];
        if (rs->cart_checks[pos].flags & EC__CHK_ALL_LINES)
            set_bit(sets + EC__SET_ALL_LINES * w, pos);
        if (p->ncoupons) set_bit(sets + EC__SET_COUPONS * w, pos);
        for (int dim = 0; dim < EC__DIMS; dim++) {
            const ec__symset *s = dim_set(p, dim);
            if (s->n) set_bit(sets + (EC__SET_RESTRICTED + dim) * w, pos);
            for (uint32_t i = 0; i < s->n; i++) set_bit(sets + e->slot[dim][s->ids[i]] * w, pos);
        }
        /* a shared set is filled once per currency: the same bit again */
        for (uint32_t c = 0; c < ncur; c++)
            if (has_currency(p, c)) set_bit(sets + e->cur_slot[c] * w, pos);
    }
}

static int minimum_order(const void *x, const void *y)
{
    const ec__minimum *a = x, *b = y;
    if (a->cur != b->cur) return a->cur < b->cur ? -1 : 1;
    if (a->amount != b->amount) return a->amount < b->amount ? -1 : 1;
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static int only_minimum(const ec__promotion *p)
{
    return !p->has_usage_limit && !p->has_customer_limit && !p->has_code_limit && !p->budget.n;
}

/* The promotions with limits: those with a usage limit or budget listed,
 * those with only a min_subtotal as one minimum per currency. */
static ec_status index_limits(ec_ruleset *rs, ec__eligibility *e, ec_error *err)
{
    size_t nmin = 0;
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++)
        nmin += rs->cart_promos[pos]->min_subtotal.n;
    uint32_t *list = ec__arena_calloc(&rs->arena, (size_t)rs->ncart_promos + 1, sizeof *list);
    ec__minimum *mins = ec__arena_calloc(&rs->arena, nmin + 1, sizeof *mins);
    EC_FAIL_IF(!list || !mins, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++) {
        const ec__promotion *p = rs->cart_promos[pos];
        if (!(rs->cart_checks[pos].flags & EC__CHK_LIMITS)) continue;
        if (!only_minimum(p)) {
            list[e->nlimited++] = pos;
            continue;
        }
        for (uint32_t i = 0; i < p->min_subtotal.n; i++)
            mins[e->nminimums++] =
                (ec__minimum){p->min_subtotal.e[i].amount, pos, p->min_subtotal.e[i].cur};
    }
    qsort(mins, e->nminimums, sizeof *mins, minimum_order);
    e->limited = list;
    e->minimums = mins;
    return EC_OK;
}

typedef struct window_event {
    int64_t at;
    uint32_t code; /* pos << 1 | 1 when it expires */
} window_event;

static int event_order(const void *x, const void *y)
{
    const window_event *a = x, *b = y;
    if (a->at != b->at) return a->at < b->at ? -1 : 1;
    return (a->code > b->code) - (a->code < b->code);
}

/* Checkpoint 0 is the state before the first event: every promotion with
 * a start is not started, none expired; checkpoint c + 1 is checkpoint c
 * after the next stride of events. */
static void fill_checkpoints(const ec__eligibility *e, const window_event *ev, uint64_t *cp,
                             const ec_ruleset *rs)
{
    size_t w = e->words;
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++)
        if (rs->cart_checks[pos].flags & EC__CHK_FROM) set_bit(cp, pos);
    for (uint32_t k = 0; k < e->nevents; k++) {
        if (k % EC__WINDOW_STRIDE == 0) { /* the next checkpoint, from this one */
            memcpy(cp + 2 * w, cp, 2 * w * sizeof *cp);
            cp += 2 * w;
        }
        uint32_t pos = ev[k].code >> 1;
        if (ev[k].code & 1)
            set_bit(cp + w, pos);
        else
            cp[pos >> 6] &= ~((uint64_t)1 << (pos & 63));
    }
}

/* Window starts and ends as events in time order, with checkpoints. */
static ec_status index_windows(ec_ruleset *rs, ec__eligibility *e, ec_error *err)
{
    uint32_t n = 0;
    window_event *ev = ec__calloc(rs->alloc, (size_t)rs->ncart_promos * 2 + 1, sizeof *ev);
    EC_FAIL_IF(!ev, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++) {
        const ec__promo_check *c = &rs->cart_checks[pos];
        if (c->flags & EC__CHK_FROM) ev[n++] = (window_event){c->from, pos << 1};
        if (c->flags & EC__CHK_TO) ev[n++] = (window_event){c->to, pos << 1 | 1};
    }
    qsort(ev, n, sizeof *ev, event_order);
    size_t ncp = n / EC__WINDOW_STRIDE + 2;
    int64_t *at = ec__arena_calloc(&rs->arena, (size_t)n + 1, sizeof *at);
    uint32_t *code = ec__arena_calloc(&rs->arena, (size_t)n + 1, sizeof *code);
    uint64_t *cp = ec__arena_calloc(&rs->arena, ncp * 2 * e->words + 1, sizeof *cp);
    if (at && code && cp) {
        for (uint32_t k = 0; k < n; k++) at[k] = ev[k].at, code[k] = ev[k].code;
        e->nevents = n;
        fill_checkpoints(e, ev, cp, rs);
    }
    ec__dealloc(rs->alloc, ev);
    EC_FAIL_IF(!at || !code || !cp, err, EC_NO_MEMORY, NULL, NULL);
    e->event_at = at;
    e->event = code;
    e->checkpoints = cp;
    return EC_OK;
}

ec_status ec__index_eligibility(ec_ruleset *rs, ec_error *err)
{
    ec__eligibility *e = &rs->elig;
    uint32_t ncur = (uint32_t)ec_currency_count(), nsym = rs->nsymbols;
    uint32_t *slot = ec__arena_calloc(&rs->arena, (size_t)EC__DIMS * nsym + 1, sizeof *slot);
    uint32_t *cur_slot = ec__arena_calloc(&rs->arena, ncur, sizeof *cur_slot);
    EC_FAIL_IF(!slot || !cur_slot, err, EC_NO_MEMORY, NULL, NULL);
    uint32_t nsets = number_names(rs, slot, EC__SET_RESTRICTED + EC__DIMS);
    nsets = number_currencies(rs, cur_slot, ncur, nsets);
    e->words = (rs->ncart_promos + 63) / 64;
    uint64_t *sets = ec__arena_calloc(&rs->arena, (size_t)nsets * e->words + 1, sizeof *sets);
    EC_FAIL_IF(!sets, err, EC_NO_MEMORY, NULL, NULL);
    for (int dim = 0; dim < EC__DIMS; dim++) e->slot[dim] = slot + (size_t)dim * nsym;
    e->cur_slot = cur_slot;
    fill_sets(rs, e, sets, ncur);
    e->sets = sets;
    EC_TRY(index_limits(rs, e, err));
    return index_windows(rs, e, err);
}
