/* index.c - the SKU index: one entry per SKU a ruleset can price, holding its
 * product, its price-list entries and the promotions that target it.
 *
 * Targets are resolved here, once per ruleset, so that pricing never runs a
 * regex or scans a category list: a line's SKU lookup yields everything. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "ruleset/model.h"

ec_status ec__ruleset_index(ec_ruleset *rs, ec_error *err);

/* Bounds on the work of one sku_pattern on one SKU (SKUs are at most 128
 * bytes): a sane pattern needs a few hundred steps, while a catastrophic
 * one (nested quantifiers such as "^(a+)+$") would run to PCRE2's default
 * of ten million on every SKU, seconds per ruleset.  Hitting either bound
 * refuses the ruleset, naming the pattern.  The depth limit applies to the
 * interpreter; JIT code has its own stack (32 KiB), with the same effect. */
#define EC__PATTERN_MATCH_LIMIT 10000
#define EC__PATTERN_DEPTH_LIMIT 1000

/* A growable list of (sku, position) pairs, sorted into CSR form later. */
typedef struct pairs {
    const ec_allocator *alloc;
    uint32_t (*v)[2];
    size_t n, cap;
} pairs;

static int pairs_push(pairs *ps, uint32_t sku, uint32_t pos)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 256, bytes;
        if (ec__mul_overflows(cap, sizeof *ps->v, &bytes)) return 0;
        void *v = ec__realloc(ps->alloc, ps->v, bytes);
        if (!v) return 0;
        ps->v = v;
        ps->cap = cap;
    }
    ps->v[ps->n][0] = sku;
    ps->v[ps->n][1] = pos;
    ps->n++;
    return 1;
}

/* ---- SKU entries ---------------------------------------------------------- */

static ec_status add_sku(ec_ruleset *rs, const ec__str *sku, int32_t product, uint32_t *out,
                         ec_error *err)
{
    uint32_t old;
    if (!ec__strmap_put(&rs->sku_index, sku->p, sku->n, rs->nskus, &old))
        return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    if (old != EC__STRMAP_NONE) {
        *out = old;
        return EC_OK;
    }
    ec__sku_info *info = &rs->skus[rs->nskus];
    memset(info, 0, sizeof *info);
    info->sku = *sku;
    info->product = product;
    *out = rs->nskus++;
    return EC_OK;
}

static ec_status index_products(ec_ruleset *rs, ec_error *err)
{
    for (uint32_t i = 0; i < rs->nproducts; i++) {
        uint32_t at;
        EC_TRY(add_sku(rs, &rs->products[i].sku, (int32_t)i, &at, err));
        /* products come first, so product i must be SKU entry i (category
         * targets rely on it); anything else is a SKU seen before */
        if (at != i) {
            ec__fail(err, EC_INVALID_FIELD, NULL, "duplicate SKU (see products[%u])", at);
            ec__error_field(err, "products[%u].sku", i);
            return EC_INVALID_FIELD;
        }
    }
    return EC_OK;
}

static int list_order(const void *x, const void *y, void *ctx);

/* Price lists sorted by priority (descending) so that the first candidate
 * that matches a cart has the winning priority. */
static uint32_t *lists_by_priority(ec_ruleset *rs)
{
    uint32_t *order = ec__arena_calloc(&rs->arena, rs->nprice_lists + 1, sizeof *order);
    if (!order) return NULL;
    for (uint32_t i = 0; i < rs->nprice_lists; i++) order[i] = i;
    /* insertion sort keeps file order among equal priorities; lists are few */
    for (uint32_t i = 1; i < rs->nprice_lists; i++) {
        uint32_t v = order[i], j = i;
        while (j > 0 && list_order(&order[j - 1], &v, rs) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    return order;
}

static int list_order(const void *x, const void *y, void *ctx)
{
    const ec_ruleset *rs = ctx;
    int64_t a = rs->price_lists[*(const uint32_t *)x].priority;
    int64_t b = rs->price_lists[*(const uint32_t *)y].priority;
    return (a < b) - (a > b);
}

/* Pairs (SKU, global entry number) in list-priority order; a global entry
 * number is the entry's position counting every list's entries in file
 * order.  A SKU twice in one list is refused. */
static ec_status index_price_lists(ec_ruleset *rs, pairs *ps, uint32_t *base, ec_error *err)
{
    uint32_t *order = lists_by_priority(rs);
    EC_FAIL_IF(!order, err, EC_NO_MEMORY, NULL, NULL);
    size_t n = 0;
    for (uint32_t l = 0; l < rs->nprice_lists; l++) {
        base[l] = (uint32_t)n;
        n += rs->price_lists[l].nentries;
    }
    uint32_t *seen = ec__calloc(rs->alloc, rs->nproducts + n + 1, sizeof *seen);
    EC_FAIL_IF(!seen, err, EC_NO_MEMORY, NULL, NULL);
    ec_status st = EC_OK;
    for (uint32_t k = 0; k < rs->nprice_lists && st == EC_OK; k++) {
        uint32_t l = order[k];
        const ec__price_list *pl = &rs->price_lists[l];
        for (uint32_t e = 0; e < pl->nentries && st == EC_OK; e++) {
            uint32_t at;
            st = add_sku(rs, &pl->entries[e].sku, -1, &at, err);
            if (st != EC_OK) break;
            if (seen[at] == l + 1) {
                st = ec__fail(err, EC_INVALID_FIELD, NULL, "duplicate SKU \"%s\" in price list",
                              pl->entries[e].sku.p);
                ec__error_field(err, "price_lists[%u].prices[%u].sku", l, e);
            } else if (!pairs_push(ps, at, base[l] + e)) {
                st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
            }
            seen[at] = l + 1;
        }
    }
    ec__dealloc(rs->alloc, seen);
    return st;
}

/* Counting sort of pairs by SKU into a flat array; sets each SKU's
 * offset/count through the member offsets given.  Stable, so per SKU the
 * order of insertion (priority order) is kept. */
static uint32_t *pairs_to_csr(ec_ruleset *rs, const pairs *ps, size_t off_field, size_t n_field)
{
    uint32_t *flat = ec__arena_calloc(&rs->arena, ps->n + 1, sizeof *flat);
    if (!flat) return NULL;
    for (size_t i = 0; i < ps->n; i++) {
        unsigned char *info = (unsigned char *)&rs->skus[ps->v[i][0]];
        (*(uint32_t *)(info + n_field))++;
    }
    uint32_t off = 0;
    for (uint32_t s = 0; s < rs->nskus; s++) {
        unsigned char *info = (unsigned char *)&rs->skus[s];
        *(uint32_t *)(info + off_field) = off;
        off += *(uint32_t *)(info + n_field);
        *(uint32_t *)(info + n_field) = 0;
    }
    for (size_t i = 0; i < ps->n; i++) {
        unsigned char *info = (unsigned char *)&rs->skus[ps->v[i][0]];
        uint32_t *n = (uint32_t *)(info + n_field);
        flat[*(uint32_t *)(info + off_field) + (*n)++] = ps->v[i][1];
    }
    return flat;
}

/* Turn global entry numbers back into (list, entry). */
static ec_status resolve_pl_refs(ec_ruleset *rs, const uint32_t *flat, size_t n,
                                 const uint32_t *base, ec_error *err)
{
    rs->pl_refs = ec__arena_calloc(&rs->arena, n + 1, sizeof *rs->pl_refs);
    EC_FAIL_IF(!rs->pl_refs, err, EC_NO_MEMORY, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        /* the last list whose base is <= g: an empty list shares its base
         * with the next one, so the last such list is never empty */
        uint32_t g = flat[i], lo = 0, hi = rs->nprice_lists;
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (base[mid] <= g)
                lo = mid;
            else
                hi = mid;
        }
        rs->pl_refs[i].list = lo;
        rs->pl_refs[i].entry = g - base[lo];
    }
    return EC_OK;
}

/* ---- promotion targets ------------------------------------------------- */

typedef struct target_ctx {
    ec_ruleset *rs;
    pairs *ps;
    uint32_t *stamp;   /* per SKU: last tag that touched it */
    uint32_t *cat_off; /* per symbol: first product position in cat_skus */
    uint32_t *cat_skus;
    pcre2_match_data *md;
    pcre2_match_context *mc; /* the bounds above */
    uint32_t bad_sku;        /* where a pattern failed to run */
    size_t pool;             /* entries of promo_refs so far */
} target_ctx;

static int mark(target_ctx *t, uint32_t sku, uint32_t pos, uint32_t tag)
{
    if (t->stamp[sku] == tag || t->stamp[sku] == tag - 1) return 1; /* done or excluded */
    t->stamp[sku] = tag;
    return pairs_push(t->ps, sku, pos);
}

/* 1: targets marked; 0: out of memory; -1: a pattern failed to run on a SKU
 * (match or heap limit), which must not pass for "does not match". */
static int mark_targets(target_ctx *t, const ec__target *p, uint32_t pos, uint32_t tag)
{
    ec_ruleset *rs = t->rs;
    for (uint32_t i = 0; i < p->nexclude; i++) {
        uint32_t s = ec__strmap_get(&rs->sku_index, p->exclude[i].p, p->exclude[i].n);
        if (s != EC__STRMAP_NONE) t->stamp[s] = tag - 1;
    }
    for (uint32_t i = 0; i < p->nskus; i++) {
        uint32_t s = ec__strmap_get(&rs->sku_index, p->skus[i].p, p->skus[i].n);
        if (s != EC__STRMAP_NONE && !mark(t, s, pos, tag)) return 0;
    }
    for (uint32_t i = 0; i < p->ncats; i++) {
        uint32_t c = p->cats[i];
        for (uint32_t k = t->cat_off[c]; k < t->cat_off[c + 1]; k++)
            if (!mark(t, t->cat_skus[k], pos, tag)) return 0;
    }
    if (p->regex) {
        for (uint32_t s = 0; s < rs->nskus; s++) {
            int rc = pcre2_match(p->regex, (PCRE2_SPTR)rs->skus[s].sku.p, rs->skus[s].sku.n, 0, 0,
                                 t->md, t->mc);
            if (rc == PCRE2_ERROR_NOMATCH) continue;
            if (rc == PCRE2_ERROR_NOMEMORY || rc == PCRE2_ERROR_HEAP_FAILED) return 0;
            if (rc < 0) {
                t->bad_sku = s;
                return -1;
            }
            if (!mark(t, s, pos, tag)) return 0;
        }
    }
    return 1;
}

/* The target a level indexes: a promotion's own, or the reward_target of
 * a buy_x_get_y (NULL for the others, which then have no reward lines). */
typedef const ec__target *(*target_of)(const ec__promotion *p);

static const ec__target *own_target(const ec__promotion *p)
{
    return &p->target;
}

static const ec__target *reward_target(const ec__promotion *p)
{
    return p->action.has_reward ? &p->action.reward : NULL;
}

static ec_status index_level(target_ctx *t, const ec__promotion **list, uint32_t n, target_of get,
                             uint32_t **all, uint32_t *nall, size_t off_f, size_t n_f,
                             uint32_t *tag, ec_error *err)
{
    ec_ruleset *rs = t->rs;
    t->ps->n = 0;
    *all = ec__arena_calloc(&rs->arena, n + 1, sizeof **all);
    EC_FAIL_IF(!*all, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t pos = 0; pos < n; pos++) {
        const ec__target *target = get(list[pos]);
        if (!target) continue;
        if (ec__target_all(target)) {
            (*all)[(*nall)++] = pos;
            continue;
        }
        *tag += 2;
        int marked = mark_targets(t, target, pos, *tag);
        EC_FAIL_IF(marked == 0, err, EC_NO_MEMORY, NULL, NULL);
        if (marked < 0) {
            ec__fail(err, EC_INVALID_FIELD, NULL,
                     "sku_pattern exceeds its match limits (%d steps, depth %d) on SKU \"%s\"; "
                     "simplify the pattern",
                     EC__PATTERN_MATCH_LIMIT, EC__PATTERN_DEPTH_LIMIT, rs->skus[t->bad_sku].sku.p);
            ec__error_field(err, "promotions[%u].%s.sku_pattern", list[pos]->src,
                            target == &list[pos]->target ? "target" : "action.reward_target");
            return EC_INVALID_FIELD;
        }
    }
    uint32_t *flat = pairs_to_csr(rs, t->ps, off_f, n_f);
    EC_FAIL_IF(!flat, err, EC_NO_MEMORY, NULL, NULL);
    /* every level shares one pool: shift this level's offsets past the others */
    if (rs->promo_refs) {
        size_t prev = t->pool;
        uint32_t *pool = ec__arena_calloc(&rs->arena, prev + t->ps->n + 1, sizeof *pool);
        EC_FAIL_IF(!pool, err, EC_NO_MEMORY, NULL, NULL);
        memcpy(pool, rs->promo_refs, prev * sizeof *pool);
        memcpy(pool + prev, flat, t->ps->n * sizeof *pool);
        for (uint32_t s = 0; s < rs->nskus; s++)
            *(uint32_t *)((unsigned char *)&rs->skus[s] + off_f) += (uint32_t)prev;
        rs->promo_refs = pool;
    } else {
        rs->promo_refs = flat;
    }
    t->pool += t->ps->n;
    return EC_OK;
}

/* Products per category symbol, for category targets. */
static ec_status index_categories(target_ctx *t, ec_error *err)
{
    ec_ruleset *rs = t->rs;
    size_t total = 0;
    t->cat_off = ec__calloc(rs->alloc, rs->nsymbols + 2, sizeof *t->cat_off);
    EC_FAIL_IF(!t->cat_off, err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t i = 0; i < rs->nproducts; i++) {
        for (uint32_t c = 0; c < rs->products[i].ncats; c++)
            t->cat_off[rs->products[i].cats[c] + 1]++;
        total += rs->products[i].ncats;
    }
    for (uint32_t s = 0; s < rs->nsymbols; s++) t->cat_off[s + 1] += t->cat_off[s];
    t->cat_skus = ec__calloc(rs->alloc, total + 1, sizeof *t->cat_skus);
    uint32_t *fill = ec__calloc(rs->alloc, rs->nsymbols + 1, sizeof *fill);
    if (!t->cat_skus || !fill) {
        ec__dealloc(rs->alloc, fill);
        return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    }
    /* products were indexed first, so product i is SKU entry i */
    for (uint32_t i = 0; i < rs->nproducts; i++)
        for (uint32_t c = 0; c < rs->products[i].ncats; c++) {
            uint32_t cat = rs->products[i].cats[c];
            t->cat_skus[t->cat_off[cat] + fill[cat]++] = i;
        }
    ec__dealloc(rs->alloc, fill);
    return EC_OK;
}

static void *md_alloc(size_t size, void *data)
{
    return ec__alloc(data, size);
}
static void md_free(void *p, void *data)
{
    ec__dealloc(data, p);
}

static ec_status index_promotions(ec_ruleset *rs, pairs *ps, ec_error *err)
{
    target_ctx t = {.rs = rs, .ps = ps};
    ec_status st = EC_NO_MEMORY;
    uint32_t tag = 0;
    pcre2_general_context *gc = pcre2_general_context_create(md_alloc, md_free, (void *)rs->alloc);
    t.stamp = ec__calloc(rs->alloc, rs->nskus + 1, sizeof *t.stamp);
    t.md = gc ? pcre2_match_data_create(1, gc) : NULL;
    t.mc = gc ? pcre2_match_context_create(gc) : NULL;
    if (!t.stamp || !t.md || !t.mc) {
        ec__fail(err, EC_NO_MEMORY, NULL, NULL);
        goto free_scratch;
    }
    pcre2_set_match_limit(t.mc, EC__PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(t.mc, EC__PATTERN_DEPTH_LIMIT);
    st = index_categories(&t, err);
    if (st == EC_OK)
        st = index_level(&t, rs->cart_promos, rs->ncart_promos, own_target, &rs->all_cart,
                         &rs->nall_cart, offsetof(ec__sku_info, cp_off),
                         offsetof(ec__sku_info, cp_n), &tag, err);
    if (st == EC_OK)
        st = index_level(&t, rs->product_promos, rs->nproduct_promos, own_target, &rs->all_product,
                         &rs->nall_product, offsetof(ec__sku_info, pp_off),
                         offsetof(ec__sku_info, pp_n), &tag, err);
    if (st == EC_OK)
        st = index_level(&t, rs->cart_promos, rs->ncart_promos, reward_target, &rs->all_reward,
                         &rs->nall_reward, offsetof(ec__sku_info, rw_off),
                         offsetof(ec__sku_info, rw_n), &tag, err);
free_scratch:
    ec__dealloc(rs->alloc, t.cat_off);
    ec__dealloc(rs->alloc, t.cat_skus);
    ec__dealloc(rs->alloc, t.stamp);
    pcre2_match_data_free(t.md);
    pcre2_match_context_free(t.mc);
    pcre2_general_context_free(gc);
    return st;
}

ec_status ec__ruleset_index(ec_ruleset *rs, ec_error *err)
{
    size_t cap = rs->nproducts;
    for (uint32_t l = 0; l < rs->nprice_lists; l++) cap += rs->price_lists[l].nentries;
    rs->skus = ec__arena_calloc(&rs->arena, cap + 1, sizeof *rs->skus);
    uint32_t *base = ec__calloc(rs->alloc, rs->nprice_lists + 1, sizeof *base);
    pairs ps = {.alloc = rs->alloc};
    ec_status st = EC_NO_MEMORY;
    if (!rs->skus || !base) {
        ec__fail(err, st, NULL, NULL);
        goto free_scratch;
    }
    st = index_products(rs, err);
    if (st == EC_OK) st = index_price_lists(rs, &ps, base, err);
    if (st == EC_OK) {
        uint32_t *flat =
            pairs_to_csr(rs, &ps, offsetof(ec__sku_info, pl_off), offsetof(ec__sku_info, pl_n));
        st = flat ? resolve_pl_refs(rs, flat, ps.n, base, err)
                  : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    }
    if (st == EC_OK) st = index_promotions(rs, &ps, err);
free_scratch:
    ec__dealloc(rs->alloc, base);
    ec__dealloc(rs->alloc, ps.v);
    return st;
}
