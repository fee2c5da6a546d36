/* reprice_index.c - building a repricer and its selling contexts: what
 * pricing an item needs beyond the ruleset's own SKU index.
 *
 * The ruleset resolves promotion targets for the SKUs it knows.  A catalog
 * row can name a SKU it does not know, or give a known SKU other
 * categories; for those, the repricer keeps the targets by listed SKU, by
 * category and by pattern, so that the best promotion is found without
 * scanning them all.  A context fixes what every item shares: which
 * promotions match it, and the tax entry of each category at its place. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "common/internal.h"
#include "pricing/reprice_private.h"

uint64_t ec__rp_hash(const char *s, size_t n)
{
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL, v = 0;
    uint32_t a, b;
    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&v, s, 8);
        h = (h ^ v) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 32;
    }
    if (n >= 4) { /* two loads that may overlap, never past the end */
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        v = (uint64_t)a << 32 | b;
    } else if (n > 0) {
        v = (uint64_t)(unsigned char)s[0] << 16 | (uint64_t)(unsigned char)s[n >> 1] << 8 |
            (unsigned char)s[n - 1];
    }
    h = (h ^ v) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 29);
}

int ec__rp_usable(const ec__promotion *p, int32_t cur)
{
    int64_t amount;
    return p->action.type == EC__ACT_PERCENT_OFF || ec__money_in(&p->action.amount, cur, &amount);
}

/* ---- SKUs listed by promotions ---------------------------------------------------- */

uint32_t ec__rp_sku_get(const ec__rp_sku_table *t, uint64_t h, const char *key, size_t len)
{
    if (!t->count) return EC__STRMAP_NONE;
    for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
        const ec__rp_sku_slot *s = &t->slots[i];
        if (!s->key) return EC__STRMAP_NONE;
        if (s->len == len && memcmp(s->key, key, len) == 0) return s->k;
    }
}

static int sku_table_grow(const ec_allocator *a, ec__rp_sku_table *t)
{
    size_t cap = t->slots ? (t->mask + 1) * 2 : 64;
    ec__rp_sku_slot *slots = ec__calloc(a, cap, sizeof *slots);
    if (!slots) return 0;
    for (size_t i = 0; t->slots && i <= t->mask; i++) {
        const ec__rp_sku_slot *old = &t->slots[i];
        if (!old->key) continue;
        size_t j = ec__rp_hash(old->key, old->len) & (cap - 1);
        while (slots[j].key) j = (j + 1) & (cap - 1);
        slots[j] = *old;
    }
    ec__dealloc(a, t->slots);
    t->slots = slots;
    t->mask = cap - 1;
    return 1;
}

/* The number of key, adding it as the next number when new; UINT32_MAX
 * when out of memory. */
static uint32_t sku_table_put(const ec_allocator *a, ec__rp_sku_table *t, const ec__str *key)
{
    uint64_t h = ec__rp_hash(key->p, key->n);
    uint32_t k = ec__rp_sku_get(t, h, key->p, key->n);
    if (k != EC__STRMAP_NONE) return k;
    if ((t->count + 1) * 2 > (t->slots ? t->mask + 1 : 0) && !sku_table_grow(a, t))
        return UINT32_MAX;
    size_t i = h & t->mask;
    while (t->slots[i].key) i = (i + 1) & t->mask;
    t->slots[i].key = key->p;
    t->slots[i].len = key->n;
    t->slots[i].k = (uint32_t)t->count;
    return (uint32_t)t->count++;
}

/* ---- targets by key, in CSR form ---------------------------------------------------- */

typedef struct pair_list {
    uint32_t (*v)[2]; /* (key, position) */
    size_t n, cap;
} pair_list;

static int pair_push(const ec_allocator *a, pair_list *l, uint32_t key, uint32_t pos)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64, bytes;
        if (ec__mul_overflows(cap, sizeof *l->v, &bytes)) return 0;
        void *v = ec__realloc(a, l->v, bytes);
        if (!v) return 0;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n][0] = key;
    l->v[l->n][1] = pos;
    l->n++;
    return 1;
}

/* Counting sort by key into off (nkeys + 1 entries) and pos; stable, so
 * positions stay ascending per key. */
static int to_csr(const ec_allocator *a, const pair_list *l, uint32_t nkeys, uint32_t **off,
                  uint32_t **pos)
{
    *off = ec__calloc(a, (size_t)nkeys + 2, sizeof **off);
    *pos = ec__calloc(a, l->n + 1, sizeof **pos);
    if (!*off || !*pos) return 0;
    for (size_t i = 0; i < l->n; i++) (*off)[l->v[i][0] + 1]++;
    for (uint32_t k = 0; k < nkeys; k++) (*off)[k + 1] += (*off)[k];
    uint32_t *fill = ec__calloc(a, (size_t)nkeys + 1, sizeof *fill);
    if (!fill) return 0;
    for (size_t i = 0; i < l->n; i++) {
        uint32_t k = l->v[i][0];
        (*pos)[(*off)[k] + fill[k]++] = l->v[i][1];
    }
    ec__dealloc(a, fill);
    return 1;
}

/* The literal prefix of an anchored pattern (PCRE2 without EXTENDED or
 * CASELESS, as the ruleset compiles them).  A quantifier binds the last
 * literal, which is then left out. */
static void literal_prefix(const ec__promotion *p, ec__rp_pattern *ref)
{
    static const char meta[] = "\\^$.|?*+()[]{}";
    const char *s = p->target.pattern.p;
    size_t n = p->target.pattern.n, i = 1;
    ref->prefix = s + 1;
    ref->plen = 0;
    ref->exact = 0;
    if (n == 0 || s[0] != '^') return;
    while (i < n && s[i] != '\0' && !strchr(meta, s[i])) i++;
    ref->plen = (uint32_t)(i - 1);
    if (i < n && s[i] != '\0' && strchr("?*+{", s[i])) {
        ref->plen = ref->plen ? ref->plen - 1 : 0;
        return;
    }
    ref->exact = i == n;
}

static void add_pattern(ec_repricer *rp, const ec__promotion *p, uint32_t pos)
{
    ec__rp_pattern *ref = &rp->by_pattern[rp->nby_pattern++];
    size_t jit_size = 0;
    ref->pos = pos;
    literal_prefix(p, ref);
    ref->jit =
        pcre2_pattern_info(p->target.regex, PCRE2_INFO_JITSIZE, &jit_size) == 0 && jit_size > 0;
}

/* The three target indexes of the targeted product promotions (the others
 * are the ruleset's all_product list). */
static int index_targets(ec_repricer *rp)
{
    const ec_ruleset *rs = rp->rs;
    pair_list skus = {0}, cats = {0};
    rp->by_pattern = ec__calloc(rp->alloc, rs->nproduct_promos + 1, sizeof *rp->by_pattern);
    int ok = rp->by_pattern != NULL;
    for (uint32_t pos = 0; ok && pos < rs->nproduct_promos; pos++) {
        const ec__promotion *p = rs->product_promos[pos];
        const ec__target *t = &p->target;
        if (ec__target_all(t)) continue;
        for (uint32_t i = 0; ok && i < t->nskus; i++) {
            uint32_t k = sku_table_put(rp->alloc, &rp->by_sku, &t->skus[i]);
            ok = k != UINT32_MAX && pair_push(rp->alloc, &skus, k, pos);
        }
        for (uint32_t i = 0; ok && i < t->ncats; i++)
            ok = pair_push(rp->alloc, &cats, t->cats[i], pos);
        if (t->regex) add_pattern(rp, p, pos);
    }
    ok = ok &&
         to_csr(rp->alloc, &skus, (uint32_t)rp->by_sku.count, &rp->by_sku_off, &rp->by_sku_pos);
    ok = ok && to_csr(rp->alloc, &cats, rs->nsymbols, &rp->by_cat_off, &rp->by_cat_pos);
    ec__dealloc(rp->alloc, skus.v);
    ec__dealloc(rp->alloc, cats.v);
    return ok;
}

/* About 8 bits per SKU and two probes: roughly one miss in twenty pays for
 * the index lookup anyway. */
static int index_bloom(ec_repricer *rp)
{
    const ec_ruleset *rs = rp->rs;
    uint64_t bits = 64;
    while (bits < (uint64_t)rs->nskus * 8) bits *= 2;
    rp->bloom = ec__calloc(rp->alloc, (size_t)(bits / 64), sizeof *rp->bloom);
    if (!rp->bloom) return 0;
    rp->bloom_mask = bits - 1;
    for (uint32_t s = 0; s < rs->nskus; s++) {
        uint64_t h = ec__rp_hash(rs->skus[s].sku.p, rs->skus[s].sku.n);
        uint64_t a = h & rp->bloom_mask, b = (h >> 32 ^ h >> 7) & rp->bloom_mask;
        rp->bloom[a >> 6] |= 1ULL << (a & 63);
        rp->bloom[b >> 6] |= 1ULL << (b & 63);
    }
    return 1;
}

ec_repricer *ec_repricer_new(const ec_ruleset *rules)
{
    return ec_repricer_new_ex(rules, NULL);
}

ec_repricer *ec_repricer_new_ex(const ec_ruleset *rules, const ec_allocator *alloc)
{
    if (!rules) return NULL;
    ec_repricer *rp = ec__calloc(alloc, 1, sizeof *rp);
    if (!rp) return NULL;
    if (alloc) {
        rp->alloc_copy = *alloc;
        rp->alloc = &rp->alloc_copy;
    }
    rp->rs = rules;
    if (!index_targets(rp) || !index_bloom(rp)) {
        ec_repricer_free(rp);
        return NULL;
    }
    return rp;
}

void ec_repricer_free(ec_repricer *rp)
{
    if (!rp) return;
    void *arrays[] = {rp->by_sku.slots, rp->by_sku_off, rp->by_sku_pos, rp->by_cat_off,
                      rp->by_cat_pos,   rp->by_pattern, rp->bloom};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) ec__dealloc(rp->alloc, arrays[i]);
    ec_allocator copy = rp->alloc_copy;
    ec__dealloc(rp->alloc ? &copy : NULL, rp);
}

/* ---- contexts -------------------------------------------------------------------------- */

static ec_status context_symbol(const ec_ruleset *rs, const char *s, const char *field,
                                uint32_t *out, ec_error *err)
{
    *out = EC__SYM_NONE;
    if (!s) return EC_OK;
    size_t n = strlen(s);
    EC_FAIL_IF(!ec__id_valid(s, n), err, EC_INVALID_FIELD, field,
               "must be 1 to 128 bytes of UTF-8 without control characters");
    *out = ec__ruleset_lookup_symbol(rs, s, n);
    return EC_OK;
}

/* The tax entry of each category (by symbol) at the context's place: the
 * lookup of a cart's tax, done once per context instead of once per item. */
static const ec__tax_entry **tax_entries(const ec_repricer *rp, const ec__tax_place *place)
{
    const ec_ruleset *rs = rp->rs;
    const ec__tax_entry **tax = ec__calloc(rp->alloc, (size_t)rs->nsymbols + 1, sizeof *tax);
    for (uint32_t s = 0; tax && rs->ntaxes && s < rs->nsymbols; s++)
        tax[s] = ec__tax_find(rs, place, s);
    return tax;
}

/* Which product promotions the context admits, through the engine's own
 * test (ec__context_matches), once for every item. */
static uint8_t *promotions_ok(const ec_repricer *rp, const ec_reprice_context *c)
{
    const ec_ruleset *rs = rp->rs;
    ec__pricing pc;
    memset(&pc, 0, sizeof pc);
    pc.rs = rs;
    pc.at = c->at;
    pc.country = c->country;
    pc.group = c->group;
    pc.channel = c->channel;
    uint8_t *ok = ec__calloc(rp->alloc, (size_t)rs->nproduct_promos + 1, 1);
    for (uint32_t pos = 0; ok && pos < rs->nproduct_promos; pos++) {
        const ec__promotion *p = rs->product_promos[pos];
        ok[pos] = (uint8_t)(ec__context_matches(&pc, &p->groups, &p->channels, &p->countries,
                                                &p->window) &&
                            (c->cur < 0 || ec__rp_usable(p, c->cur)));
    }
    return ok;
}

/* Where the context's shoppers are taxed: its country, region, tax class
 * and postal code. */
static ec_status context_place(const ec_repricer *rp, const ec_reprice_context *c,
                               const char *region, const char *postal_code, const char *tax_class,
                               ec__tax_place *place, ec_error *err)
{
    memset(place, 0, sizeof *place);
    place->country = c->country;
    EC_TRY(context_symbol(rp->rs, region, "region", &place->region, err));
    EC_TRY(context_symbol(rp->rs, tax_class, "tax_class", &place->tax_class, err));
    if (!postal_code) return EC_OK;
    size_t n = strlen(postal_code);
    EC_FAIL_IF(!ec__id_valid(postal_code, n), err, EC_INVALID_FIELD, "postal_code",
               "must be 1 to 128 bytes of UTF-8 without control characters");
    place->npostal = ec__postal_normalize(place->postal, postal_code, n);
    return EC_OK;
}

ec_status ec_reprice_context_new(const ec_repricer *rp, const char *currency, const char *country,
                                 const char *customer_group, const char *channel, int64_t at_us,
                                 ec_reprice_context **out, ec_error *err)
{
    return ec_reprice_context_new_v2(rp, currency, country, customer_group, channel, NULL, NULL,
                                     NULL, at_us, out, err);
}

ec_status ec_reprice_context_new_v2(const ec_repricer *rp, const char *currency,
                                    const char *country, const char *customer_group,
                                    const char *channel, const char *region,
                                    const char *postal_code, const char *tax_class, int64_t at_us,
                                    ec_reprice_context **out, ec_error *err)
{
    EC_FAIL_IF(!rp || !out, err, EC_MISUSE, NULL,
               "ec_reprice_context_new needs a repricer and out");
    *out = NULL;
    ec_reprice_context c = {.rp = rp, .cur = -1, .at = at_us};
    ec__tax_place place;
    if (currency) {
        c.cur = ec_currency_find(currency, strlen(currency));
        EC_FAIL_IF(c.cur < 0, err, EC_UNKNOWN_CURRENCY, "currency",
                   "\"%.8s\" is not an active ISO 4217 currency code", currency);
    }
    EC_TRY(context_symbol(rp->rs, country, "country", &c.country, err));
    EC_TRY(context_symbol(rp->rs, customer_group, "customer_group", &c.group, err));
    EC_TRY(context_symbol(rp->rs, channel, "channel", &c.channel, err));
    EC_TRY(context_place(rp, &c, region, postal_code, tax_class, &place, err));
    ec_reprice_context *ctx = ec__alloc(rp->alloc, sizeof *ctx);
    if (ctx) {
        *ctx = c;
        ctx->tax = tax_entries(rp, &place);
        ctx->promo_ok = promotions_ok(rp, &c);
        if (!ctx->tax || !ctx->promo_ok) {
            ec_reprice_context_free(ctx);
            ctx = NULL;
        }
    }
    EC_FAIL_IF(!ctx, err, EC_NO_MEMORY, NULL, NULL);
    *out = ctx;
    return EC_OK;
}

void ec_reprice_context_free(ec_reprice_context *ctx)
{
    if (!ctx) return;
    const ec_allocator *a = ctx->rp->alloc;
    ec__dealloc(a, (void *)ctx->tax);
    ec__dealloc(a, ctx->promo_ok);
    ec__dealloc(a, ctx);
}
