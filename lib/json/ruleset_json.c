/* ruleset_json.c - the ruleset document into the model: its settings,
 * products and price lists, and the readers its other parts share
 * (ruleset_read.h).
 *
 * Every field is checked here, in document order, so that the first problem
 * is reported with its full path; what spans entries (duplicate ids, regex
 * compilation, indexes) is left to ec__ruleset_compile(). */
#include <string.h>

#include "ecommerce/json.h"
#include "json/ruleset_read.h"

ec_status ec__rprefixed(ec__rctx *c, ec_status st, const char *key)
{
    if (st != EC_OK) ec__error_prefix(c->err, "%s", key);
    return st;
}

/* ---- small values ----------------------------------------------------------- */

ec_status ec__rstr(ec__rctx *c, const cJSON *v, const char *key, ec__str *out, int id)
{
    const char *s = NULL;
    size_t n = 0;
    EC_TRY(id ? ec__jid(v, key, &s, &n, c->err) : ec__jstring(v, key, &s, &n, c->err));
    char *copy = ec__arena_strndup(&c->rs->arena, s, n);
    if (!copy) return EC__RNOMEM(c);
    out->p = copy;
    out->n = (uint32_t)n;
    return EC_OK;
}

ec_status ec__rsymbol(ec__rctx *c, const cJSON *v, const char *key, uint32_t *out)
{
    const char *s = NULL;
    size_t n = 0;
    EC_TRY(ec__jid(v, key, &s, &n, c->err));
    *out = ec__ruleset_symbol(c->rs, s, n);
    return *out == EC__SYM_NONE ? EC__RNOMEM(c) : EC_OK;
}

ec_status ec__rsymset(ec__rctx *c, const cJSON *obj, const char *key, ec__symset *out)
{
    const cJSON *v = ec__jget(obj, key);
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (!v) return EC_OK;
    EC_TRY(ec__jarray(v, key, 100000, &n, c->err));
    uint32_t *ids = EC__RARRAY(c, n, uint32_t);
    if (!ids) return EC__RNOMEM(c);
    EC__REACH(c, v, key, i, e, ec__rsymbol(c, e, "", &ids[i]));
    out->ids = ids;
    out->n = (uint32_t)n;
    return EC_OK;
}

ec_status ec__rwindow(ec__rctx *c, const cJSON *obj, ec__window *w)
{
    const cJSON *from = ec__jget(obj, "valid_from"), *to = ec__jget(obj, "valid_to");
    memset(w, 0, sizeof *w);
    if (from) EC_TRY(ec__jtime(from, "valid_from", &w->from, c->err));
    if (to) EC_TRY(ec__jtime(to, "valid_to", &w->to, c->err));
    w->has_from = from != NULL;
    w->has_to = to != NULL;
    return EC_OK;
}

ec_status ec__rstr_list(ec__rctx *c, const cJSON *obj, const char *key, size_t max,
                        const ec__str **out, uint32_t *count)
{
    const cJSON *v = ec__jget(obj, key);
    size_t n = 0;
    *out = NULL;
    *count = 0;
    if (!v) return EC_OK;
    EC_TRY(ec__jarray(v, key, max, &n, c->err));
    ec__str *list = EC__RARRAY(c, n, ec__str);
    if (!list) return EC__RNOMEM(c);
    EC__REACH(c, v, key, i, e, ec__rstr(c, e, "", &list[i], 1));
    *out = list;
    *count = (uint32_t)n;
    return EC_OK;
}

static ec_status read_currency(ec__rctx *c, const char *code, const char *key, int32_t *out)
{
    *out = ec_currency_find(code, strlen(code));
    EC_FAIL_IF(*out < 0, c->err, EC_UNKNOWN_CURRENCY, key,
               "\"%.16s\" is not an active ISO 4217 currency code", code);
    return EC_OK;
}

/* A money field: a string in the ruleset's currency or {"EUR": "5.00"}. */
ec_status ec__rmoney_map(ec__rctx *c, const cJSON *v, const char *key, ec__money_map *out)
{
    memset(out, 0, sizeof *out);
    if (!v) return EC_OK;
    ec__money *e;
    if (!cJSON_IsObject(v)) {
        e = EC__RARRAY(c, 1, ec__money);
        if (!e) return EC__RNOMEM(c);
        e->cur = c->rs->currency;
        EC_TRY(ec__jmoney(v, key, ec_currency_exponent(e->cur), &e->amount, c->err));
        out->e = e;
        out->n = 1;
        return EC_OK;
    }
    uint32_t n = 0;
    for (const cJSON *m = v->child; m; m = m->next) n++;
    EC_FAIL_IF(n == 0, c->err, EC_INVALID_FIELD, key, "%s names no currency", key);
    EC_FAIL_IF(n > 200, c->err, EC_LIMIT_EXCEEDED, key, "%s names too many currencies", key);
    if (!(e = EC__RARRAY(c, n, ec__money))) return EC__RNOMEM(c);
    uint32_t i = 0;
    for (const cJSON *m = v->child; m; m = m->next, i++) {
        ec_status st = read_currency(c, m->string, m->string, &e[i].cur);
        if (st == EC_OK)
            st = ec__jmoney(m, m->string, ec_currency_exponent(e[i].cur), &e[i].amount, c->err);
        for (uint32_t k = 0; st == EC_OK && k < i; k++)
            if (e[k].cur == e[i].cur)
                st = ec__fail(c->err, EC_INVALID_FIELD, m->string, "currency given twice");
        if (st != EC_OK) return ec__rprefixed(c, st, key);
    }
    out->e = e;
    out->n = n;
    return EC_OK;
}

/* ---- products ----------------------------------------------------------------- */

static const char *const product_keys[] = {"sku", "prices", "categories", "tax_category", NULL};

static ec_status read_product(ec__rctx *c, const cJSON *v, ec__product *p)
{
    const cJSON *f = NULL;
    ec__symset cats;
    EC_TRY(ec__jkeys(v, product_keys, "a product", c->err));
    EC_TRY(ec__jrequire(v, "sku", &f, c->err));
    EC_TRY(ec__rstr(c, f, "sku", &p->sku, 1));
    EC_TRY(ec__rmoney_map(c, ec__jget(v, "prices"), "prices", &p->prices));
    EC_TRY(ec__rsymset(c, v, "categories", &cats));
    p->cats = cats.ids;
    p->ncats = cats.n;
    p->tax_cat = c->rs->sym_standard;
    if ((f = ec__jget(v, "tax_category"))) EC_TRY(ec__rsymbol(c, f, "tax_category", &p->tax_cat));
    return EC_OK;
}

/* ---- price lists ----------------------------------------------------------- */

/* Price-list money is in the list's currency: a string, or a map that
 * holds that currency only. */
static ec_status read_list_money(ec__rctx *c, const cJSON *v, const char *key, int32_t cur,
                                 int64_t *out)
{
    if (!cJSON_IsObject(v)) return ec__jmoney(v, key, ec_currency_exponent(cur), out, c->err);
    const cJSON *only = v->child;
    EC_FAIL_IF(!only || only->next || strcmp(only->string, ec_currency_code(cur)) != 0, c->err,
               EC_INVALID_FIELD, key, "a price list's prices are in its currency %s only",
               ec_currency_code(cur));
    return ec__rprefixed(c, ec__jmoney(only, only->string, ec_currency_exponent(cur), out, c->err),
                         key);
}

static const char *const tier_keys[] = {"min_quantity", "price", NULL};

static ec_status read_pl_tier(ec__rctx *c, const cJSON *v, int32_t cur, ec__pl_tier *t)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, tier_keys, "a tier", c->err));
    EC_TRY(ec__jrequire(v, "min_quantity", &f, c->err));
    EC_TRY(ec__jint(f, "min_quantity", 1, 1000000, &t->min_quantity, c->err));
    EC_TRY(ec__jrequire(v, "price", &f, c->err));
    return read_list_money(c, f, "price", cur, &t->price);
}

static const char *const entry_keys[] = {"sku", "price", "tiers", NULL};

static ec_status read_pl_entry(ec__rctx *c, const cJSON *v, int32_t cur, ec__pl_entry *e)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(ec__jkeys(v, entry_keys, "a price entry", c->err));
    EC_TRY(ec__jrequire(v, "sku", &f, c->err));
    EC_TRY(ec__rstr(c, f, "sku", &e->sku, 1));
    EC_TRY(ec__jrequire(v, "price", &f, c->err));
    EC_TRY(read_list_money(c, f, "price", cur, &e->price));
    if (!(f = ec__jget(v, "tiers"))) return EC_OK;
    EC_TRY(ec__jarray(f, "tiers", 1000, &n, c->err));
    ec__pl_tier *tiers = EC__RARRAY(c, n, ec__pl_tier);
    if (!tiers) return EC__RNOMEM(c);
    EC__REACH(c, f, "tiers", i, t, read_pl_tier(c, t, cur, &tiers[i]));
    e->tiers = tiers;
    e->ntiers = (uint32_t)n;
    return EC_OK;
}

static const char *const price_list_keys[] = {
    "id",        "currency",   "priority", "customer_groups", "channels",
    "countries", "valid_from", "valid_to", "prices",          NULL};

static ec_status read_price_list(ec__rctx *c, const cJSON *v, ec__price_list *pl)
{
    const cJSON *f = NULL;
    const char *s = NULL;
    size_t n = 0;
    EC_TRY(ec__jkeys(v, price_list_keys, "a price list", c->err));
    EC_TRY(ec__jrequire(v, "id", &f, c->err));
    EC_TRY(ec__rstr(c, f, "id", &pl->id, 1));
    pl->cur = c->rs->currency;
    if ((f = ec__jget(v, "currency"))) {
        EC_TRY(ec__jstring(f, "currency", &s, &n, c->err));
        EC_TRY(read_currency(c, s, "currency", &pl->cur));
    }
    if ((f = ec__jget(v, "priority")))
        EC_TRY(ec__jint(f, "priority", -1000000000, 1000000000, &pl->priority, c->err));
    EC_TRY(ec__rsymset(c, v, "customer_groups", &pl->groups));
    EC_TRY(ec__rsymset(c, v, "channels", &pl->channels));
    EC_TRY(ec__rsymset(c, v, "countries", &pl->countries));
    EC_TRY(ec__rwindow(c, v, &pl->window));
    if (!(f = ec__jget(v, "prices"))) return EC_OK;
    EC_TRY(ec__jarray(f, "prices", EC_RULESET_MAX_PRODUCTS, &n, c->err));
    ec__pl_entry *entries = EC__RARRAY(c, n, ec__pl_entry);
    if (!entries) return EC__RNOMEM(c);
    EC__REACH(c, f, "prices", i, e, read_pl_entry(c, e, pl->cur, &entries[i]));
    pl->entries = entries;
    pl->nentries = (uint32_t)n;
    return EC_OK;
}

/* ---- the document ----------------------------------------------------------- */

#define READ_ARRAY(c, doc, key, max, arr, n, type, reader)                                         \
    do {                                                                                           \
        const cJSON *a_ = ec__jget(doc, key);                                                      \
        size_t n_ = 0;                                                                             \
        if (a_) EC_TRY(ec__jarray(a_, key, max, &n_, (c)->err));                                   \
        type *v_ = EC__RARRAY(c, n_, type);                                                        \
        if (!v_) return EC__RNOMEM(c);                                                             \
        (arr) = v_;                                                                                \
        (n) = (uint32_t)n_;                                                                        \
        if (a_) EC__REACH(c, a_, key, i_, e_, reader(c, e_, &v_[i_]));                             \
    } while (0)

static const char *const ruleset_keys[] = {
    "currency", "rounding", "prices_include_tax", "tax_rounding", "shipping_tax",
    "tax",      "products", "price_lists",        "promotions",   "shipping",
    NULL};
static const char *const rounding_names[] = {"half_even", "half_up", "half_down", "up",
                                             "down",      "ceiling", "floor",     NULL};
static const char *const tax_rounding_names[] = {"line", "total", NULL};
static const char *const shipping_tax_names[] = {"category", "proportional", NULL};

static ec_status read_settings(ec__rctx *c, const cJSON *doc)
{
    ec_ruleset *rs = c->rs;
    const cJSON *f = NULL;
    const char *s = NULL;
    size_t n = 0;
    int v;
    EC_TRY(ec__jkeys(doc, ruleset_keys, "the ruleset", c->err));
    EC_TRY(ec__jrequire(doc, "currency", &f, c->err));
    EC_TRY(ec__jstring(f, "currency", &s, &n, c->err));
    EC_TRY(read_currency(c, s, "currency", &rs->currency));
    if ((f = ec__jget(doc, "rounding"))) {
        EC_TRY(ec__jenum(f, "rounding", rounding_names, &v, c->err));
        rs->rounding = (uint8_t)v;
    }
    if ((f = ec__jget(doc, "prices_include_tax"))) {
        EC_TRY(ec__jbool(f, "prices_include_tax", &v, c->err));
        rs->prices_include_tax = (uint8_t)v;
    }
    if ((f = ec__jget(doc, "tax_rounding"))) {
        EC_TRY(ec__jenum(f, "tax_rounding", tax_rounding_names, &v, c->err));
        rs->tax_total = (uint8_t)v;
    }
    if ((f = ec__jget(doc, "shipping_tax"))) {
        EC_TRY(ec__jenum(f, "shipping_tax", shipping_tax_names, &v, c->err));
        rs->shipping_tax_split = (uint8_t)v;
    }
    rs->sym_standard = ec__ruleset_symbol(rs, "standard", 8);
    return rs->sym_standard == EC__SYM_NONE ? EC__RNOMEM(c) : EC_OK;
}

static ec_status read_ruleset(ec__rctx *c, const cJSON *doc)
{
    ec_ruleset *rs = c->rs;
    EC_TRY(read_settings(c, doc));
    READ_ARRAY(c, doc, "tax", EC__TAX_MAX_ENTRIES, rs->taxes, rs->ntaxes, ec__tax_entry,
               ec__read_tax);
    for (uint32_t i = 0; i < rs->ntaxes; i++) rs->taxes[i].src = i;
    READ_ARRAY(c, doc, "products", EC_RULESET_MAX_PRODUCTS, rs->products, rs->nproducts,
               ec__product, read_product);
    READ_ARRAY(c, doc, "price_lists", EC_RULESET_MAX_PRICE_LISTS, rs->price_lists, rs->nprice_lists,
               ec__price_list, read_price_list);
    READ_ARRAY(c, doc, "promotions", EC_RULESET_MAX_PROMOTIONS, rs->promotions, rs->npromotions,
               ec__promotion, ec__read_promotion);
    for (uint32_t i = 0; i < rs->npromotions; i++) rs->promotions[i].src = i;
    READ_ARRAY(c, doc, "shipping", 10000, rs->shipping, rs->nshipping, ec__shipping,
               ec__read_shipping);
    return EC_OK;
}

ec_status ec_ruleset_from_json(const char *json, size_t len, const ec_allocator *alloc,
                               ec_ruleset **out, ec_error *err)
{
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    cJSON *doc;
    EC_TRY(ec__jparse(json, len, &doc, err));
    ec_ruleset *rs = ec__ruleset_alloc(alloc);
    ec_status st = rs ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    if (st == EC_OK) {
        ec__rctx c = {rs, err};
        st = read_ruleset(&c, doc);
    }
    cJSON_Delete(doc);
    if (st == EC_OK) st = ec__ruleset_compile(rs, err);
    if (st != EC_OK) {
        ec_ruleset_free(rs);
        return st;
    }
    *out = rs;
    return EC_OK;
}
