/* compile.c - cross-entry validation and the indexes pricing reads.
 *
 * The codec has checked every field on its own; here we check what spans
 * entries (duplicate ids and SKUs, patterns that must compile) and resolve,
 * once, which promotions target which SKU, so that pricing a line costs one
 * hash lookup instead of a scan of every promotion. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "ruleset/model.h"

/* ---- duplicate detection ------------------------------------------------ */

static ec_status check_unique_ids(ec_ruleset *rs, ec_error *err)
{
    ec__strmap seen;
    ec_status st = EC_OK;
    uint32_t old;
    ec__strmap_init(&seen, rs->alloc);
    for (uint32_t i = 0; i < rs->nprice_lists && st == EC_OK; i++) {
        const ec__str *id = &rs->price_lists[i].id;
        if (!ec__strmap_put(&seen, id->p, id->n, i, &old))
            st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
        else if (old != EC__STRMAP_NONE)
            st = ec__fail(err, EC_INVALID_FIELD, NULL, "duplicate price list id \"%s\"", id->p);
        if (st == EC_INVALID_FIELD) ec__error_field(err, "price_lists[%u].id", i);
    }
    ec__strmap_free(&seen);
    ec__strmap_init(&seen, rs->alloc);
    for (uint32_t i = 0; i < rs->npromotions && st == EC_OK; i++) {
        const ec__str *id = &rs->promotions[i].id;
        if (!ec__strmap_put(&seen, id->p, id->n, i, &old))
            st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
        else if (old != EC__STRMAP_NONE)
            st = ec__fail(err, EC_INVALID_FIELD, NULL, "duplicate promotion id \"%s\"", id->p);
        if (st == EC_INVALID_FIELD) ec__error_field(err, "promotions[%u].id", i);
    }
    ec__strmap_free(&seen);
    ec__strmap_init(&seen, rs->alloc);
    for (uint32_t i = 0; i < rs->nshipping && st == EC_OK; i++) {
        const ec__str *id = &rs->shipping[i].id;
        if (!ec__strmap_put(&seen, id->p, id->n, i, &old))
            st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
        else if (old != EC__STRMAP_NONE)
            st =
                ec__fail(err, EC_INVALID_FIELD, NULL, "duplicate shipping method id \"%s\"", id->p);
        if (st == EC_INVALID_FIELD) ec__error_field(err, "shipping[%u].id", i);
    }
    ec__strmap_free(&seen);
    return st;
}

/* ---- promotion order ---------------------------------------------------- */

static int str_cmp(const ec__str *a, const ec__str *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* priority descending, then id ascending bytewise (formats.md 3.2) */
static int promo_order(const void *x, const void *y)
{
    const ec__promotion *a = *(const ec__promotion *const *)x;
    const ec__promotion *b = *(const ec__promotion *const *)y;
    if (a->priority != b->priority) return a->priority > b->priority ? -1 : 1;
    return str_cmp(&a->id, &b->id);
}

static ec_status order_promotions(ec_ruleset *rs, ec_error *err)
{
    uint32_t ncart = 0, nprod = 0;
    for (uint32_t i = 0; i < rs->npromotions; i++)
        rs->promotions[i].level == EC__LEVEL_CART ? ncart++ : nprod++;
    rs->cart_promos = ec__arena_calloc(&rs->arena, ncart + 1, sizeof *rs->cart_promos);
    rs->product_promos = ec__arena_calloc(&rs->arena, nprod + 1, sizeof *rs->product_promos);
    EC_FAIL_IF(!rs->cart_promos || !rs->product_promos, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t i = 0; i < rs->npromotions; i++) {
        const ec__promotion *p = &rs->promotions[i];
        if (p->level == EC__LEVEL_CART)
            rs->cart_promos[rs->ncart_promos++] = p;
        else
            rs->product_promos[rs->nproduct_promos++] = p;
    }
    qsort(rs->cart_promos, rs->ncart_promos, sizeof *rs->cart_promos, promo_order);
    qsort(rs->product_promos, rs->nproduct_promos, sizeof *rs->product_promos, promo_order);
    return EC_OK;
}

/* ---- sku_pattern -------------------------------------------------------- */

static void *pcre_alloc(size_t size, void *data)
{
    return ec__alloc(data, size);
}
static void pcre_free(void *p, void *data)
{
    ec__dealloc(data, p);
}

/* `which` names the target in messages: "target" or "action.reward_target". */
static ec_status compile_pattern(ec__target *t, uint32_t src, const char *which,
                                 pcre2_general_context *gc, ec_error *err)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_compile_context *cc = pcre2_compile_context_create(gc);
    EC_FAIL_IF(!cc, err, EC_NO_MEMORY, NULL, NULL);
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)t->pattern.p, t->pattern.n, PCRE2_UTF, &code, &offset, cc);
    pcre2_compile_context_free(cc);
    if (!re) {
        /* compile-time allocation failure is HEAP_FAILED; NOMEMORY is its
         * match-time cousin */
        if (code == PCRE2_ERROR_HEAP_FAILED || code == PCRE2_ERROR_NOMEMORY)
            return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        ec__fail(err, EC_INVALID_FIELD, NULL, "sku_pattern does not compile at offset %zu: %s",
                 (size_t)offset, (const char *)msg);
        ec__error_field(err, "promotions[%u].%s.sku_pattern", src, which);
        return EC_INVALID_FIELD;
    }
    /* JIT is an optimisation: where the platform lacks it, the interpreter
     * gives the same answers. */
#ifndef EC_NO_PCRE2_JIT /* the valgrind build: valgrind cannot follow JIT code */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
#endif
    t->regex = re;
    return EC_OK;
}

static ec_status compile_patterns(ec_ruleset *rs, ec_error *err)
{
    pcre2_general_context *gc = NULL;
    ec_status st = EC_OK;
    for (uint32_t i = 0; i < rs->npromotions * 2 && st == EC_OK; i++) {
        ec__promotion *p = &rs->promotions[i / 2];
        ec__target *t = i % 2 ? &p->action.reward : &p->target;
        if (t->pattern.n == 0) continue;
        if (!gc) {
            gc = pcre2_general_context_create(pcre_alloc, pcre_free, (void *)rs->alloc);
            if (!gc) return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
        }
        st = compile_pattern(t, p->src, i % 2 ? "action.reward_target" : "target", gc, err);
    }
    pcre2_general_context_free(gc);
    return st;
}

ec_status ec__ruleset_index(ec_ruleset *rs, ec_error *err);

/* Intersect the currencies of one money field into the promotion's set. */
static void keep_currencies(ec__promotion *p, const ec__money_map *m)
{
    if (m->n == 0) return; /* absent field: no constraint */
    uint64_t has[EC__CURRENCY_WORDS] = {0};
    for (uint32_t i = 0; i < m->n; i++) has[m->e[i].cur >> 6] |= (uint64_t)1 << (m->e[i].cur & 63);
    for (int w = 0; w < EC__CURRENCY_WORDS; w++) p->currencies[w] &= has[w];
}

static ec_status index_currencies(ec_ruleset *rs, ec_error *err)
{
    EC_FAIL_IF(ec_currency_count() > 64 * EC__CURRENCY_WORDS, err, EC_INTERNAL, NULL,
               "the currency table outgrew EC__CURRENCY_WORDS");
    for (uint32_t i = 0; i < rs->npromotions; i++) {
        ec__promotion *p = &rs->promotions[i];
        memset(p->currencies, 0xff, sizeof p->currencies);
        keep_currencies(p, &p->action.amount);
        keep_currencies(p, &p->min_subtotal);
        keep_currencies(p, &p->max_discount);
        keep_currencies(p, &p->budget);
        for (uint32_t t = 0; t < p->action.ntiers; t++)
            keep_currencies(p, &p->action.tiers[t].min_subtotal);
    }
    return EC_OK;
}

/* ---- what pricing checks per cart ------------------------------------- */

/* exclude_skus as SKU entries; needs the SKU index. */
static ec_status resolve_excludes(ec_ruleset *rs, ec__target *t, ec_error *err)
{
    if (t->nexclude == 0) return EC_OK;
    uint32_t *idx = ec__arena_calloc(&rs->arena, t->nexclude, sizeof *idx);
    EC_FAIL_IF(!idx, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t i = 0; i < t->nexclude; i++) {
        uint32_t s = ec__strmap_get(&rs->sku_index, t->exclude[i].p, t->exclude[i].n);
        if (s == EC__STRMAP_NONE) continue;
        idx[t->nexclude_idx++] = s;
        rs->skus[s].excluded = 1; /* carts without such a SKU skip the lists */
    }
    t->exclude_idx = idx;
    return EC_OK;
}

static uint8_t check_flags(const ec__promotion *p)
{
    int all = ec__promo_targets_all(p);
    uint8_t f = 0;
    if (p->window.has_from) f |= EC__CHK_FROM;
    if (p->window.has_to) f |= EC__CHK_TO;
    if (p->ncoupons || p->groups.n || p->channels.n || p->countries.n) f |= EC__CHK_CONTEXT;
    if (p->has_usage_limit || p->has_customer_limit || p->has_code_limit || p->budget.n ||
        p->min_subtotal.n)
        f |= EC__CHK_LIMITS;
    if (all) f |= EC__CHK_ALL_LINES;
    if (all && p->target.nexclude_idx) f |= EC__CHK_EXCLUDES;
    return f;
}

static uint8_t dyn_flags(const ec__promotion *p)
{
    return (uint8_t)((p->exclude_discounted ? EC__DYN_EXCLUDE_DISCOUNTED : 0) |
                     (p->group_sym != EC__SYM_NONE ? EC__DYN_GROUP : 0) |
                     (p->action.has_reward ? EC__DYN_REWARD : 0));
}

static ec__promo_check check_of(const ec__promotion *p)
{
    ec__promo_check c = {.from = p->window.has_from ? p->window.from : INT64_MIN,
                         .to = p->window.has_to ? p->window.to : INT64_MAX,
                         .min_quantity = p->min_quantity,
                         .flags = check_flags(p),
                         .stacking = p->stacking,
                         .action = p->action.type,
                         .dyn = dyn_flags(p)};
    memcpy(c.currencies, p->currencies, sizeof c.currencies);
    return c;
}

_Static_assert(sizeof(ec__promo_check) == 64, "a check record is one cache line");

/* {"id":"<id>" for the result document, when the id needs no escaping
 * (ids never hold control bytes) and fits the entry with its length. */
static void json_head(const ec__promotion *p, char *head)
{
    static const char open[] = "{\"id\":\"";
    size_t n = sizeof open - 1 + p->id.n + 1;
    if (n > EC__JSON_HEAD - 1 || memchr(p->id.p, '"', p->id.n) || memchr(p->id.p, '\\', p->id.n))
        return;
    memcpy(head, open, sizeof open - 1);
    memcpy(head + sizeof open - 1, p->id.p, p->id.n);
    head[n - 1] = '"';
    head[EC__JSON_HEAD - 1] = (char)n;
}

static ec_status index_cart_checks(ec_ruleset *rs, ec_error *err)
{
    for (uint32_t i = 0; i < rs->npromotions; i++) {
        EC_TRY(resolve_excludes(rs, &rs->promotions[i].target, err));
        EC_TRY(resolve_excludes(rs, &rs->promotions[i].action.reward, err));
    }
    uint32_t n = rs->ncart_promos;
    /* one spare record: the arena aligns less than a cache line */
    unsigned char *raw = ec__arena_calloc(&rs->arena, n + 2, sizeof(ec__promo_check));
    char(*heads)[EC__JSON_HEAD] = ec__arena_calloc(&rs->arena, n + 1, sizeof *heads);
    EC_FAIL_IF(!raw || !heads, err, EC_NO_MEMORY, NULL, NULL);
    ec__promo_check *checks = (ec__promo_check *)(raw + (64 - (uintptr_t)raw % 64) % 64);
    for (uint32_t pos = 0; pos < n; pos++) {
        checks[pos] = check_of(rs->cart_promos[pos]);
        json_head(rs->cart_promos[pos], heads[pos]);
    }
    rs->cart_checks = checks;
    rs->cart_json_heads = (const char(*)[EC__JSON_HEAD])heads;
    return EC_OK;
}

ec_status ec__index_coupons(ec_ruleset *rs, ec_error *err);

/* Groups get dense numbers in evaluation order, and each lists its
 * members' positions (ascending): a cart reaching a group's first member
 * weighs them all at once. */
static ec_status index_groups(ec_ruleset *rs, ec_error *err)
{
    uint32_t n = rs->ncart_promos, *gid = ec__calloc(rs->alloc, rs->nsymbols + 1, sizeof *gid);
    EC_FAIL_IF(!gid, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t pos = 0; pos < n; pos++) {
        ec__promotion *p = (ec__promotion *)rs->cart_promos[pos]; /* ours to finish */
        p->group = EC__SYM_NONE;
        if (p->group_sym == EC__SYM_NONE) continue;
        if (!gid[p->group_sym]) gid[p->group_sym] = ++rs->ngroups;
        p->group = gid[p->group_sym] - 1;
    }
    ec__dealloc(rs->alloc, gid);
    rs->group_off = ec__arena_calloc(&rs->arena, (size_t)rs->ngroups + 2, sizeof *rs->group_off);
    rs->group_pos = ec__arena_calloc(&rs->arena, (size_t)n + 1, sizeof *rs->group_pos);
    EC_FAIL_IF(!rs->group_off || !rs->group_pos, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t pos = 0; pos < n; pos++)
        if (rs->cart_promos[pos]->group != EC__SYM_NONE)
            rs->group_off[rs->cart_promos[pos]->group + 2]++;
    for (uint32_t g = 0; g < rs->ngroups; g++) rs->group_off[g + 2] += rs->group_off[g + 1];
    for (uint32_t pos = 0; pos < n; pos++)
        if (rs->cart_promos[pos]->group != EC__SYM_NONE)
            rs->group_pos[rs->group_off[rs->cart_promos[pos]->group + 1]++] = pos;
    return EC_OK;
}

ec_status ec__ruleset_compile(ec_ruleset *rs, ec_error *err)
{
    EC_TRY(check_unique_ids(rs, err));
    EC_TRY(ec__tax_index_build(rs, err));
    EC_TRY(compile_patterns(rs, err));
    EC_TRY(index_currencies(rs, err));
    EC_TRY(order_promotions(rs, err));
    EC_TRY(ec__ruleset_index(rs, err));
    EC_TRY(index_cart_checks(rs, err));
    EC_TRY(ec__index_coupons(rs, err));
    return index_groups(rs, err);
}
