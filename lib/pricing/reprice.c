/* reprice.c - one unit of a catalog item in one selling context (reprice.h):
 * its unit price and the tax of the context's place, without a cart.
 *
 * A SKU the ruleset knows, with its own categories, is priced exactly as a
 * cart line is, through the engine's functions and the ruleset's SKU index.
 * An item that brings its own categories, or a SKU the ruleset does not
 * know, has no precomputed targets: the repricer's indexes
 * (reprice_index.c) give the candidates, the context says which of them
 * apply, and only the winner's price is computed.  A pattern runs only
 * when it could still beat the best candidate so far. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "common/internal.h"
#include "pricing/reprice_private.h"

typedef struct slice {
    const char *p;
    size_t n;
} slice;

/* Symbols looked up lately, per thread: an item's categories and tax
 * category repeat across a catalog, and a hit costs one short compare. */
#define SYM_CACHE 256
#define SYM_CACHE_NAME 30

typedef struct sym_entry {
    const ec_ruleset *rs; /* NULL: empty */
    uint32_t sym;
    uint8_t len;
    char name[SYM_CACHE_NAME];
} sym_entry;

struct ec_reprice_item {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    slice sku, price, current, tax_cat;
    int32_t cur;      /* -1: the ruleset's currency */
    int32_t last_cur; /* the last code looked up, to skip the search */
    char last_code[3];
    uint8_t has_sku, has_price, has_current, has_tax_cat, has_cats;
    slice *cats;
    uint32_t ncats, cats_cap;
};

struct ec_reprice_result {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    int32_t cur, exponent; /* cur -1: empty */
    int64_t list_price, price, display_price;
    const ec__str *price_list, *promotion;
    int32_t tax_percent, changed;
    pcre2_general_context *gc;
    pcre2_match_data *md;
    sym_entry *syms; /* SYM_CACHE entries */
};

/* ---- items -------------------------------------------------------------------- */

ec_reprice_item *ec_reprice_item_new(void)
{
    return ec_reprice_item_new_ex(NULL);
}

ec_reprice_item *ec_reprice_item_new_ex(const ec_allocator *alloc)
{
    ec_reprice_item *it = ec__calloc(alloc, 1, sizeof *it);
    if (!it) return NULL;
    if (alloc) {
        it->alloc_copy = *alloc;
        it->alloc = &it->alloc_copy;
    }
    it->cur = it->last_cur = -1;
    return it;
}

void ec_reprice_item_free(ec_reprice_item *it)
{
    if (!it) return;
    ec__dealloc(it->alloc, it->cats);
    ec_allocator copy = it->alloc_copy;
    ec__dealloc(it->alloc ? &copy : NULL, it);
}

void ec_reprice_item_reset(ec_reprice_item *it)
{
    if (!it) return;
    it->cur = -1;
    it->has_sku = it->has_price = it->has_current = it->has_tax_cat = it->has_cats = 0;
    it->ncats = 0;
}

/* The identifier rule, with a fast path for printable ASCII (what SKUs
 * and categories nearly always are): 8 bytes at a time, no byte below 0x20,
 * none 0x7F or above. */
static int printable8(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t x = v ^ (0x7F * ones);
    return !(((v - 0x20 * ones) | v | ((x - ones) & ~x)) & high);
}

static int id_valid(const char *s, size_t n)
{
    uint64_t v = 0;
    uint32_t a, b;
    int ok = 1;
    if (n == 0 || n > 128) return 0;
    if (n >= 8) { /* the last word may overlap the one before */
        for (size_t i = 0; ok && i < n; i += 8) {
            memcpy(&v, s + (i + 8 <= n ? i : n - 8), 8);
            ok = printable8(v);
        }
    } else if (n >= 4) {
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        ok = printable8((uint64_t)a << 32 | b);
    } else {
        for (size_t i = 0; i < n; i++) v = v << 8 | (unsigned char)s[i];
        ok = printable8(v | (0x4141414141414141ULL << (8 * n))); /* 'A' in the unused lanes */
    }
    return ok ? 1 : ec__id_valid(s, n);
}

static ec_status set_id(ec_reprice_item *it, slice *dst, uint8_t *has, const char *s, size_t n,
                        const char *field, ec_error *err)
{
    EC_FAIL_IF(!it || (!s && n), err, EC_MISUSE, field, "item or string is NULL");
    EC_FAIL_IF(!id_valid(s, n), err, EC_INVALID_FIELD, field,
               "must be 1 to 128 bytes of UTF-8 without control characters");
    dst->p = s;
    dst->n = n;
    *has = 1;
    return EC_OK;
}

ec_status ec_reprice_item_set_sku(ec_reprice_item *it, const char *sku, size_t len, ec_error *err)
{
    return set_id(it, it ? &it->sku : NULL, it ? &it->has_sku : NULL, sku, len, "sku", err);
}

ec_status ec_reprice_item_set_tax_category(ec_reprice_item *it, const char *cat, size_t len,
                                           ec_error *err)
{
    return set_id(it, it ? &it->tax_cat : NULL, it ? &it->has_tax_cat : NULL, cat, len,
                  "tax_category", err);
}

ec_status ec_reprice_item_set_currency(ec_reprice_item *it, const char *code, size_t len,
                                       ec_error *err)
{
    EC_FAIL_IF(!it || (!code && len), err, EC_MISUSE, "currency", "item or code is NULL");
    if (len == 3 && it->last_cur >= 0 && memcmp(code, it->last_code, 3) == 0) {
        it->cur = it->last_cur;
        return EC_OK;
    }
    int32_t cur = ec_currency_find(code, len);
    EC_FAIL_IF(cur < 0, err, EC_UNKNOWN_CURRENCY, "currency",
               "\"%.*s\" is not an active ISO 4217 currency code", (int)(len < 8 ? len : 8),
               code ? code : "");
    it->cur = it->last_cur = cur;
    memcpy(it->last_code, code, 3);
    return EC_OK;
}

/* Money strings are checked when the item is priced: their exponent is
 * the currency's, which may be set after them. */
static ec_status set_amount(ec_reprice_item *it, slice *dst, uint8_t *has, const char *s, size_t n,
                            const char *field, ec_error *err)
{
    EC_FAIL_IF(!it || (!s && n), err, EC_MISUSE, field, "item or amount is NULL");
    dst->p = s ? s : "";
    dst->n = n;
    *has = 1;
    return EC_OK;
}

ec_status ec_reprice_item_set_price(ec_reprice_item *it, const char *amount, size_t len,
                                    ec_error *err)
{
    return set_amount(it, it ? &it->price : NULL, it ? &it->has_price : NULL, amount, len, "price",
                      err);
}

ec_status ec_reprice_item_set_current_price(ec_reprice_item *it, const char *amount, size_t len,
                                            ec_error *err)
{
    return set_amount(it, it ? &it->current : NULL, it ? &it->has_current : NULL, amount, len,
                      "current_price", err);
}

ec_status ec_reprice_item_clear_categories(ec_reprice_item *it, ec_error *err)
{
    EC_FAIL_IF(!it, err, EC_MISUSE, "categories", "item is NULL");
    it->has_cats = 1;
    it->ncats = 0;
    return EC_OK;
}

ec_status ec_reprice_item_add_category(ec_reprice_item *it, const char *cat, size_t len,
                                       ec_error *err)
{
    EC_FAIL_IF(!it || (!cat && len), err, EC_MISUSE, "categories", "item or category is NULL");
    if (!it->has_cats) it->ncats = 0;
    if (it->ncats >= EC_REPRICE_MAX_CATEGORIES) {
        ec__fail(err, EC_LIMIT_EXCEEDED, NULL, "an item has at most %d categories",
                 EC_REPRICE_MAX_CATEGORIES);
        ec__error_field(err, "categories[%u]", it->ncats);
        return EC_LIMIT_EXCEEDED;
    }
    if (!id_valid(cat, len)) {
        ec__fail(err, EC_INVALID_FIELD, NULL,
                 "must be 1 to 128 bytes of UTF-8 without control characters");
        ec__error_field(err, "categories[%u]", it->ncats);
        return EC_INVALID_FIELD;
    }
    if (it->ncats == it->cats_cap) {
        uint32_t cap = it->cats_cap ? it->cats_cap * 2 : 8;
        slice *c = ec__realloc(it->alloc, it->cats, cap * sizeof *c);
        EC_FAIL_IF(!c, err, EC_NO_MEMORY, "categories", NULL);
        it->cats = c;
        it->cats_cap = cap;
    }
    it->cats[it->ncats].p = cat;
    it->cats[it->ncats++].n = len;
    it->has_cats = 1;
    return EC_OK;
}

/* ---- results ---------------------------------------------------------------------- */

static void *md_alloc(size_t size, void *data)
{
    return ec__alloc(data, size);
}
static void md_free(void *p, void *data)
{
    ec__dealloc(data, p);
}

ec_reprice_result *ec_reprice_result_new(void)
{
    return ec_reprice_result_new_ex(NULL);
}

ec_reprice_result *ec_reprice_result_new_ex(const ec_allocator *alloc)
{
    ec_reprice_result *r = ec__calloc(alloc, 1, sizeof *r);
    if (!r) return NULL;
    if (alloc) {
        r->alloc_copy = *alloc;
        r->alloc = &r->alloc_copy;
    }
    r->cur = -1;
    /* one match-data block per thread: patterns never allocate per item */
    r->gc = pcre2_general_context_create(md_alloc, md_free, (void *)r->alloc);
    r->md = r->gc ? pcre2_match_data_create(1, r->gc) : NULL;
    r->syms = ec__calloc(r->alloc, SYM_CACHE, sizeof *r->syms);
    if (!r->md || !r->syms) {
        ec_reprice_result_free(r);
        return NULL;
    }
    return r;
}

void ec_reprice_result_free(ec_reprice_result *r)
{
    if (!r) return;
    pcre2_match_data_free(r->md);
    pcre2_general_context_free(r->gc);
    ec__dealloc(r->alloc, r->syms);
    ec_allocator copy = r->alloc_copy;
    ec__dealloc(r->alloc ? &copy : NULL, r);
}

static void clear_result(ec_reprice_result *r)
{
    r->cur = -1;
    r->exponent = -1;
    r->list_price = r->price = r->display_price = 0;
    r->price_list = r->promotion = NULL;
    r->tax_percent = 0;
    r->changed = -1;
}

/* ---- pricing -------------------------------------------------------------------- */

/* What one call works with: the engine's per-call context for the shared
 * 3.1 functions, plus the item's resolved fields. */
typedef struct job {
    ec__pricing pc;
    const ec_repricer *rp;
    const ec_reprice_context *ctx;
    const ec_reprice_item *it;
    ec_reprice_result *r;
    int32_t item_cur;         /* currency of the item's amounts */
    uint64_t hash;            /* of the SKU (ec__rp_hash) */
    int64_t price, current;   /* parsed item amounts */
    const ec__sku_info *info; /* NULL: a SKU the ruleset does not know */
    const ec__product *product;
    ec__line_result line;
} job;

/* "59.90", "1000": digits, an optional point and at most `exponent`
 * decimals, 14 characters at most (no overflow); anything else goes to
 * ec_money_parse(), which accepts the same strings with the same values
 * and explains the others. */
static int plain_amount(const char *s, size_t n, int32_t exponent, int64_t *out)
{
    int64_t v = 0;
    int32_t frac = 0;
    int dot = 0;
    if (n == 0 || n > 14) return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (s[i] - '0');
            frac += dot;
        } else if (s[i] == '.' && !dot && i > 0 && i + 1 < n) {
            dot = 1;
        } else {
            return 0;
        }
    }
    if (frac > exponent) return 0;
    for (; frac < exponent; frac++) v *= 10;
    *out = v;
    return 1;
}

static ec_status parse_amount(const job *j, const slice *s, const char *field, int64_t *out)
{
    int32_t exponent = ec_currency_exponent(j->item_cur);
    if (plain_amount(s->p, s->n, exponent, out)) return EC_OK;
    ec_status st = ec_money_parse(s->p, s->n, exponent, out, j->pc.err);
    if (st != EC_OK && j->pc.err) ec__error_field(j->pc.err, "%s", field);
    return st;
}

/* Highest-priority price list, else the item's price (in its currency),
 * else the product's. */
static ec_status list_price(job *j)
{
    const ec_reprice_item *it = j->it;
    if (j->info && ec__best_price_list(&j->pc, j->info, 1, &j->line)) return EC_OK;
    if (it->has_price && j->item_cur == j->pc.cur) {
        j->line.list_price = j->price;
        return EC_OK;
    }
    if (j->product && ec__money_in(&j->product->prices, j->pc.cur, &j->line.list_price))
        return EC_OK;
    return ec__fail(j->pc.err, EC_NO_PRICE, "sku", "no price for SKU \"%.*s\" in %s",
                    (int)(it->sku.n > 64 ? 64 : it->sku.n), it->sku.p, ec_currency_code(j->pc.cur));
}

/* What the engine's ec__product_promotion() asks of a candidate: it
 * matches the context, has money in the currency, and does not exclude
 * the SKU.  Its price is computed for the winner only. */
static int eligible(const job *j, uint32_t pos)
{
    const ec__promotion *p = j->pc.rs->product_promos[pos];
    if (!j->ctx->promo_ok[pos]) return 0;
    if (j->ctx->cur < 0 && !ec__rp_usable(p, j->pc.cur)) return 0;
    return !ec__promo_excluded(p, &j->line.sku);
}

/* Positions are ascending: none after the first that cannot beat best can. */
static void first_eligible(const job *j, const uint32_t *pos, uint32_t n, uint32_t *best)
{
    for (uint32_t i = 0; i < n && pos[i] < *best; i++) {
        if (eligible(j, pos[i])) {
            *best = pos[i];
            return;
        }
    }
}

static uint32_t symbol(job *j, const char *name, size_t n)
{
    const ec_ruleset *rs = j->pc.rs;
    if (n > SYM_CACHE_NAME) return ec__ruleset_lookup_symbol(rs, name, n);
    sym_entry *e = &j->r->syms[ec__rp_hash(name, n) & (SYM_CACHE - 1)];
    if (e->rs == rs && e->len == n && memcmp(e->name, name, n) == 0) return e->sym;
    e->rs = rs;
    e->len = (uint8_t)n;
    memcpy(e->name, name, n);
    e->sym = ec__ruleset_lookup_symbol(rs, name, n);
    return e->sym;
}

static int pattern_matches(job *j, const ec__rp_pattern *ref)
{
    const ec__target *t = &j->pc.rs->product_promos[ref->pos]->target;
    const ec__str *sku = &j->line.sku;
    if (sku->n < ref->plen || memcmp(sku->p, ref->prefix, ref->plen) != 0) return 0;
    if (ref->exact) return 1;
    /* the SKU was checked as UTF-8 when it was set */
    if (ref->jit)
        return pcre2_jit_match(t->regex, (PCRE2_SPTR)sku->p, sku->n, 0, 0, j->r->md, NULL) >= 0;
    return pcre2_match(t->regex, (PCRE2_SPTR)sku->p, sku->n, 0, PCRE2_NO_UTF_CHECK, j->r->md,
                       NULL) >= 0;
}

/* The index's work for an item whose targets it does not hold: promotions
 * listing the SKU, naming one of its categories, matching its pattern, or
 * targeting everything; the first in selection order wins. */
static ec_status computed_promotion(job *j)
{
    const ec_repricer *rp = j->rp;
    const ec_ruleset *rs = j->pc.rs;
    uint32_t best = UINT32_MAX, k;
    first_eligible(j, rs->all_product, rs->nall_product, &best);
    k = ec__rp_sku_get(&rp->by_sku, j->hash, j->line.sku.p, j->line.sku.n);
    if (k != EC__STRMAP_NONE)
        first_eligible(j, rp->by_sku_pos + rp->by_sku_off[k],
                       rp->by_sku_off[k + 1] - rp->by_sku_off[k], &best);
    for (uint32_t c = 0; c < j->it->ncats; c++) {
        uint32_t s = symbol(j, j->it->cats[c].p, j->it->cats[c].n);
        if (s == EC__SYM_NONE) continue;
        first_eligible(j, rp->by_cat_pos + rp->by_cat_off[s],
                       rp->by_cat_off[s + 1] - rp->by_cat_off[s], &best);
    }
    for (uint32_t i = 0; i < rp->nby_pattern && rp->by_pattern[i].pos < best; i++) {
        if (eligible(j, rp->by_pattern[i].pos) && pattern_matches(j, &rp->by_pattern[i])) {
            best = rp->by_pattern[i].pos; /* later patterns come after it */
            break;
        }
    }
    if (best == UINT32_MAX) return EC_OK;
    const ec__promotion *p = rs->product_promos[best];
    int usable = 0;
    EC_TRY(ec__product_promo_price(&j->pc, p, j->line.list_price, &j->line.unit_price, &usable));
    j->line.product_promo = &p->id;
    return EC_OK;
}

/* The tax category's entry at the context's place (a cart's rule); NULL
 * with every tax zero. */
static ec_status tax_entry(job *j, const ec__tax_entry **e)
{
    const ec_ruleset *rs = j->pc.rs;
    const ec_reprice_item *it = j->it;
    uint32_t cat = j->product ? j->product->tax_cat : rs->sym_standard;
    *e = NULL;
    if (rs->ntaxes == 0) return EC_OK; /* every tax is zero */
    if (it->has_tax_cat) cat = symbol(j, it->tax_cat.p, it->tax_cat.n);
    if (cat != EC__SYM_NONE && (*e = j->ctx->tax[cat])) return EC_OK;
    return ec__fail(j->pc.err, EC_NO_TAX_RATE, "tax_category",
                    "no tax rate for SKU \"%.*s\" in this country",
                    (int)(it->sku.n > 64 ? 64 : it->sku.n), it->sku.p);
}

/* The unit's tax as a cart of one unit would have it: every rate of the
 * entry, compound ones on the tax before them. */
static ec_status unit_tax(job *j, const ec__tax_entry *e, int64_t *tax)
{
    int64_t amounts[EC__TAX_MAX_RATES], w[EC__TAX_MAX_RATES], parts[EC__TAX_MAX_RATES];
    ec__tax_share shares[EC__TAX_MAX_RATES];
    ec__tax_scratch scratch = {w, parts, shares};
    ec__tax_item item = {e, j->line.unit_price, 0, 0, 0};
    EC_TRY(ec__tax_items(&j->pc, &item, 1, amounts, &scratch));
    *tax = item.tax;
    return EC_OK;
}

static ec_status finish(job *j)
{
    ec_reprice_result *r = j->r;
    const ec__tax_entry *e = NULL;
    int64_t tax = 0;
    EC_TRY(tax_entry(j, &e));
    r->price = j->line.unit_price;
    r->display_price = r->price;
    if (e && !j->pc.rs->prices_include_tax) {
        EC_FAIL_IF(unit_tax(j, e, &tax) != EC_OK || ec_money_add(r->price, tax, &r->display_price),
                   j->pc.err, EC_OVERFLOW, "price", "the price with tax does not fit in 64 bits");
    }
    r->cur = j->pc.cur;
    r->exponent = ec_currency_exponent(j->pc.cur);
    r->list_price = j->line.list_price;
    r->price_list = j->line.price_list;
    r->promotion = j->line.product_promo;
    r->tax_percent = e ? e->percent : 0;
    r->changed = (j->it->has_current && j->item_cur == j->pc.cur) ? r->price != j->current : -1;
    return EC_OK;
}

static ec_status price_item(job *j)
{
    const ec_reprice_item *it = j->it;
    const ec_ruleset *rs = j->pc.rs;
    EC_FAIL_IF(!it->has_sku, j->pc.err, EC_INVALID_FIELD, "sku", "sku is required");
    if (it->has_price) EC_TRY(parse_amount(j, &it->price, "price", &j->price));
    if (it->has_current && it->has_price && it->current.p == it->price.p &&
        it->current.n == it->price.n)
        j->current = j->price; /* a feed item without g:sale_price: the same text */
    else if (it->has_current)
        EC_TRY(parse_amount(j, &it->current, "current_price", &j->current));
    j->line.sku.p = it->sku.p;
    j->line.sku.n = (uint32_t)it->sku.n;
    j->hash = ec__rp_hash(it->sku.p, it->sku.n);
    uint32_t s = ec__rp_maybe_indexed(j->rp, j->hash)
                     ? ec__strmap_get(&rs->sku_index, it->sku.p, it->sku.n)
                     : EC__STRMAP_NONE;
    if (s != EC__STRMAP_NONE) {
        j->info = &rs->skus[s];
        if (j->info->product >= 0) j->product = &rs->products[j->info->product];
    }
    EC_TRY(list_price(j));
    j->line.unit_price = j->line.list_price;
    j->line.quantity = 1;
    j->line.info = j->info;
    /* the index's targets hold for a known SKU with the ruleset's categories */
    if (j->info && !it->has_cats)
        EC_TRY(ec__product_promotion(&j->pc, &j->line));
    else
        EC_TRY(computed_promotion(j));
    return finish(j);
}

ec_status ec_repricer_price(const ec_repricer *rp, const ec_reprice_context *ctx,
                            const ec_reprice_item *it, ec_reprice_result *r, ec_error *err)
{
    EC_FAIL_IF(!rp || !ctx || !it || !r, err, EC_MISUSE, NULL,
               "ec_repricer_price needs a repricer, a context, an item and a result");
    EC_FAIL_IF(ctx->rp != rp, err, EC_MISUSE, NULL, "the context belongs to another repricer");
    clear_result(r);
    const ec_ruleset *rs = rp->rs;
    job j;
    memset(&j, 0, sizeof j);
    j.rp = rp;
    j.ctx = ctx;
    j.it = it;
    j.r = r;
    j.item_cur = it->cur >= 0 ? it->cur : rs->currency;
    j.pc.rs = rs;
    j.pc.err = err;
    j.pc.cur = ctx->cur >= 0 ? ctx->cur : j.item_cur;
    j.pc.mode = rs->rounding;
    j.pc.at = ctx->at;
    j.pc.country = ctx->country;
    j.pc.group = ctx->group;
    j.pc.channel = ctx->channel;
    ec_status st = price_item(&j);
    if (st != EC_OK) clear_result(r);
    return st;
}

/* ---- accessors ------------------------------------------------------------------ */

#define FILLED(r) ((r) && (r)->cur >= 0)

const char *ec_reprice_result_currency(const ec_reprice_result *r)
{
    return FILLED(r) ? ec_currency_code(r->cur) : NULL;
}

int32_t ec_reprice_result_exponent(const ec_reprice_result *r)
{
    return FILLED(r) ? r->exponent : -1;
}

int64_t ec_reprice_result_list_price(const ec_reprice_result *r)
{
    return FILLED(r) ? r->list_price : 0;
}

int64_t ec_reprice_result_price(const ec_reprice_result *r)
{
    return FILLED(r) ? r->price : 0;
}

const char *ec_reprice_result_price_list(const ec_reprice_result *r)
{
    return FILLED(r) && r->price_list ? r->price_list->p : NULL;
}

const char *ec_reprice_result_promotion(const ec_reprice_result *r)
{
    return FILLED(r) && r->promotion ? r->promotion->p : NULL;
}

int32_t ec_reprice_result_tax_percent(const ec_reprice_result *r)
{
    return FILLED(r) ? r->tax_percent : 0;
}

int64_t ec_reprice_result_display_price(const ec_reprice_result *r)
{
    return FILLED(r) ? r->display_price : 0;
}

int32_t ec_reprice_result_changed(const ec_reprice_result *r)
{
    return FILLED(r) ? r->changed : -1;
}
