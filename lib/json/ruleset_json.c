/* ruleset_json.c - the ruleset document (formats.md 2) into the model.
 *
 * Every field is checked here, in document order, so that the first problem
 * is reported with its full path; what spans entries (duplicate ids, regex
 * compilation, indexes) is left to ec__ruleset_compile(). */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "json/read.h"
#include "ruleset/model.h"

typedef struct rctx {
    ec_ruleset *rs;
    ec_error *err;
} rctx;

#define ARENA_ARRAY(c, n, type) ((type *)ec__arena_calloc(&(c)->rs->arena, (n) + 1, sizeof(type)))
#define NOMEM(c) ec__fail((c)->err, EC_NO_MEMORY, NULL, NULL)

/* Run `expr` for element i of an array, prefixing errors with key[i]. */
#define EACH(c, arr, key, i, elem, expr)                                                           \
    do {                                                                                           \
        uint32_t i = 0;                                                                            \
        for (const cJSON *elem = (arr)->child; elem; elem = elem->next, i++) {                     \
            ec_status st_ = (expr);                                                                \
            if (st_ != EC_OK) {                                                                    \
                ec__error_prefix((c)->err, "%s[%u]", key, i);                                      \
                return st_;                                                                        \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static ec_status prefixed(rctx *c, ec_status st, const char *key)
{
    if (st != EC_OK) ec__error_prefix(c->err, "%s", key);
    return st;
}

/* ---- small values ----------------------------------------------------------- */

static ec_status read_str(rctx *c, const cJSON *v, const char *key, ec__str *out, int id)
{
    const char *s = NULL;
    size_t n = 0;
    EC_TRY(id ? ec__jid(v, key, &s, &n, c->err) : ec__jstring(v, key, &s, &n, c->err));
    char *copy = ec__arena_strndup(&c->rs->arena, s, n);
    if (!copy) return NOMEM(c);
    out->p = copy;
    out->n = (uint32_t)n;
    return EC_OK;
}

static ec_status read_symbol(rctx *c, const cJSON *v, const char *key, uint32_t *out)
{
    const char *s = NULL;
    size_t n = 0;
    EC_TRY(ec__jid(v, key, &s, &n, c->err));
    *out = ec__ruleset_symbol(c->rs, s, n);
    return *out == EC__SYM_NONE ? NOMEM(c) : EC_OK;
}

static ec_status read_symset(rctx *c, const cJSON *obj, const char *key, ec__symset *out)
{
    const cJSON *v = ec__jget(obj, key);
    size_t n = 0;
    memset(out, 0, sizeof *out);
    if (!v) return EC_OK;
    EC_TRY(ec__jarray(v, key, 100000, &n, c->err));
    uint32_t *ids = ARENA_ARRAY(c, n, uint32_t);
    if (!ids) return NOMEM(c);
    EACH(c, v, key, i, e, read_symbol(c, e, "", &ids[i]));
    out->ids = ids;
    out->n = (uint32_t)n;
    return EC_OK;
}

static ec_status read_window(rctx *c, const cJSON *obj, ec__window *w)
{
    const cJSON *from = ec__jget(obj, "valid_from"), *to = ec__jget(obj, "valid_to");
    memset(w, 0, sizeof *w);
    if (from) EC_TRY(ec__jtime(from, "valid_from", &w->from, c->err));
    if (to) EC_TRY(ec__jtime(to, "valid_to", &w->to, c->err));
    w->has_from = from != NULL;
    w->has_to = to != NULL;
    return EC_OK;
}

static ec_status read_currency(rctx *c, const char *code, const char *key, int32_t *out)
{
    *out = ec_currency_find(code, strlen(code));
    EC_FAIL_IF(*out < 0, c->err, EC_UNKNOWN_CURRENCY, key,
               "\"%.16s\" is not an active ISO 4217 currency code", code);
    return EC_OK;
}

/* A money field: a string in the ruleset's currency or {"EUR": "5.00"}. */
static ec_status read_money_map(rctx *c, const cJSON *v, const char *key, ec__money_map *out)
{
    memset(out, 0, sizeof *out);
    if (!v) return EC_OK;
    ec__money *e;
    if (!cJSON_IsObject(v)) {
        e = ARENA_ARRAY(c, 1, ec__money);
        if (!e) return NOMEM(c);
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
    if (!(e = ARENA_ARRAY(c, n, ec__money))) return NOMEM(c);
    uint32_t i = 0;
    for (const cJSON *m = v->child; m; m = m->next, i++) {
        ec_status st = read_currency(c, m->string, m->string, &e[i].cur);
        if (st == EC_OK)
            st = ec__jmoney(m, m->string, ec_currency_exponent(e[i].cur), &e[i].amount, c->err);
        for (uint32_t k = 0; st == EC_OK && k < i; k++)
            if (e[k].cur == e[i].cur)
                st = ec__fail(c->err, EC_INVALID_FIELD, m->string, "currency given twice");
        if (st != EC_OK) return prefixed(c, st, key);
    }
    out->e = e;
    out->n = n;
    return EC_OK;
}

/* ---- products ----------------------------------------------------------------- */

static const char *const product_keys[] = {"sku", "prices", "categories", "tax_category", NULL};

static ec_status read_product(rctx *c, const cJSON *v, ec__product *p)
{
    const cJSON *f = NULL;
    ec__symset cats;
    EC_TRY(ec__jkeys(v, product_keys, "a product", c->err));
    EC_TRY(ec__jrequire(v, "sku", &f, c->err));
    EC_TRY(read_str(c, f, "sku", &p->sku, 1));
    EC_TRY(read_money_map(c, ec__jget(v, "prices"), "prices", &p->prices));
    EC_TRY(read_symset(c, v, "categories", &cats));
    p->cats = cats.ids;
    p->ncats = cats.n;
    p->tax_cat = c->rs->sym_standard;
    if ((f = ec__jget(v, "tax_category"))) EC_TRY(read_symbol(c, f, "tax_category", &p->tax_cat));
    return EC_OK;
}

/* ---- price lists ----------------------------------------------------------- */

/* Price-list money is in the list's currency: a string, or a map that
 * holds that currency only. */
static ec_status read_list_money(rctx *c, const cJSON *v, const char *key, int32_t cur,
                                 int64_t *out)
{
    if (!cJSON_IsObject(v)) return ec__jmoney(v, key, ec_currency_exponent(cur), out, c->err);
    const cJSON *only = v->child;
    EC_FAIL_IF(!only || only->next || strcmp(only->string, ec_currency_code(cur)) != 0, c->err,
               EC_INVALID_FIELD, key, "a price list's prices are in its currency %s only",
               ec_currency_code(cur));
    return prefixed(c, ec__jmoney(only, only->string, ec_currency_exponent(cur), out, c->err), key);
}

static const char *const tier_keys[] = {"min_quantity", "price", NULL};

static ec_status read_pl_tier(rctx *c, const cJSON *v, int32_t cur, ec__pl_tier *t)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, tier_keys, "a tier", c->err));
    EC_TRY(ec__jrequire(v, "min_quantity", &f, c->err));
    EC_TRY(ec__jint(f, "min_quantity", 1, 1000000, &t->min_quantity, c->err));
    EC_TRY(ec__jrequire(v, "price", &f, c->err));
    return read_list_money(c, f, "price", cur, &t->price);
}

static const char *const entry_keys[] = {"sku", "price", "tiers", NULL};

static ec_status read_pl_entry(rctx *c, const cJSON *v, int32_t cur, ec__pl_entry *e)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(ec__jkeys(v, entry_keys, "a price entry", c->err));
    EC_TRY(ec__jrequire(v, "sku", &f, c->err));
    EC_TRY(read_str(c, f, "sku", &e->sku, 1));
    EC_TRY(ec__jrequire(v, "price", &f, c->err));
    EC_TRY(read_list_money(c, f, "price", cur, &e->price));
    if (!(f = ec__jget(v, "tiers"))) return EC_OK;
    EC_TRY(ec__jarray(f, "tiers", 1000, &n, c->err));
    ec__pl_tier *tiers = ARENA_ARRAY(c, n, ec__pl_tier);
    if (!tiers) return NOMEM(c);
    EACH(c, f, "tiers", i, t, read_pl_tier(c, t, cur, &tiers[i]));
    e->tiers = tiers;
    e->ntiers = (uint32_t)n;
    return EC_OK;
}

static const char *const price_list_keys[] = {
    "id",        "currency",   "priority", "customer_groups", "channels",
    "countries", "valid_from", "valid_to", "prices",          NULL};

static ec_status read_price_list(rctx *c, const cJSON *v, ec__price_list *pl)
{
    const cJSON *f = NULL;
    const char *s = NULL;
    size_t n = 0;
    EC_TRY(ec__jkeys(v, price_list_keys, "a price list", c->err));
    EC_TRY(ec__jrequire(v, "id", &f, c->err));
    EC_TRY(read_str(c, f, "id", &pl->id, 1));
    pl->cur = c->rs->currency;
    if ((f = ec__jget(v, "currency"))) {
        EC_TRY(ec__jstring(f, "currency", &s, &n, c->err));
        EC_TRY(read_currency(c, s, "currency", &pl->cur));
    }
    if ((f = ec__jget(v, "priority")))
        EC_TRY(ec__jint(f, "priority", -1000000000, 1000000000, &pl->priority, c->err));
    EC_TRY(read_symset(c, v, "customer_groups", &pl->groups));
    EC_TRY(read_symset(c, v, "channels", &pl->channels));
    EC_TRY(read_symset(c, v, "countries", &pl->countries));
    EC_TRY(read_window(c, v, &pl->window));
    if (!(f = ec__jget(v, "prices"))) return EC_OK;
    EC_TRY(ec__jarray(f, "prices", EC_RULESET_MAX_PRODUCTS, &n, c->err));
    ec__pl_entry *entries = ARENA_ARRAY(c, n, ec__pl_entry);
    if (!entries) return NOMEM(c);
    EACH(c, f, "prices", i, e, read_pl_entry(c, e, pl->cur, &entries[i]));
    pl->entries = entries;
    pl->nentries = (uint32_t)n;
    return EC_OK;
}

/* ---- tax and shipping ------------------------------------------------------- */

static const char *const tax_keys[] = {"category", "country", "percent", NULL};

static ec_status read_tax(rctx *c, const cJSON *v, ec__tax_rate *t)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, tax_keys, "a tax rate", c->err));
    EC_TRY(ec__jrequire(v, "category", &f, c->err));
    EC_TRY(read_symbol(c, f, "category", &t->cat));
    EC_TRY(ec__jrequire(v, "country", &f, c->err));
    if (cJSON_IsString(f) && strcmp(f->valuestring, "*") == 0)
        t->country = EC__SYM_ANY;
    else
        EC_TRY(read_symbol(c, f, "country", &t->country));
    EC_TRY(ec__jrequire(v, "percent", &f, c->err));
    return ec__jpercent(f, "percent", &t->percent, c->err);
}

static const char *const shipping_keys[] = {"id",        "prices",       "free_over",
                                            "countries", "tax_category", NULL};

static ec_status read_shipping(rctx *c, const cJSON *v, ec__shipping *s)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, shipping_keys, "a shipping method", c->err));
    EC_TRY(ec__jrequire(v, "id", &f, c->err));
    EC_TRY(read_str(c, f, "id", &s->id, 1));
    EC_TRY(ec__jrequire(v, "prices", &f, c->err));
    EC_TRY(read_money_map(c, f, "prices", &s->prices));
    EC_TRY(read_money_map(c, ec__jget(v, "free_over"), "free_over", &s->free_over));
    EC_TRY(read_symset(c, v, "countries", &s->countries));
    s->tax_cat = c->rs->sym_standard;
    if ((f = ec__jget(v, "tax_category"))) EC_TRY(read_symbol(c, f, "tax_category", &s->tax_cat));
    return EC_OK;
}

/* ---- promotions ------------------------------------------------------------ */

static const char *const action_names[] = {
    "percent_off", "amount_off_each", "amount_off_order", "fixed_price",
    "buy_x_get_y", "tiered_percent",  "free_shipping",    NULL};

/* Keys each action type accepts besides "type". */
static const char *const *action_keys(int type)
{
    static const char *const percent[] = {"type", "percent", NULL};
    static const char *const amount[] = {"type", "amount", NULL};
    static const char *const price[] = {"type", "price", NULL};
    static const char *const bxgy[] = {"type", "buy", "get", "percent", "max_applications", NULL};
    static const char *const tiered[] = {"type", "tiers", NULL};
    static const char *const none[] = {"type", NULL};
    static const char *const *const keys[] = {percent, amount, amount, price, bxgy, tiered, none};
    return keys[type];
}

static const char *const percent_tier_keys[] = {"min_subtotal", "percent", NULL};

static ec_status read_percent_tier(rctx *c, const cJSON *v, ec__percent_tier *t)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, percent_tier_keys, "a tier", c->err));
    EC_TRY(ec__jrequire(v, "min_subtotal", &f, c->err));
    EC_TRY(read_money_map(c, f, "min_subtotal", &t->min_subtotal));
    EC_TRY(ec__jrequire(v, "percent", &f, c->err));
    return ec__jpercent(f, "percent", &t->percent, c->err);
}

static ec_status read_bxgy(rctx *c, const cJSON *v, ec__action *a)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jrequire(v, "buy", &f, c->err));
    EC_TRY(ec__jint(f, "buy", 1, 1000000, &a->buy, c->err));
    EC_TRY(ec__jrequire(v, "get", &f, c->err));
    EC_TRY(ec__jint(f, "get", 1, 1000000, &a->get, c->err));
    a->percent = EC_PERCENT_ONE;
    if ((f = ec__jget(v, "percent"))) EC_TRY(ec__jpercent(f, "percent", &a->percent, c->err));
    if ((f = ec__jget(v, "max_applications")))
        EC_TRY(ec__jint(f, "max_applications", 0, 1000000000, &a->max_applications, c->err));
    return EC_OK;
}

static ec_status read_action_fields(rctx *c, const cJSON *v, ec__action *a)
{
    const cJSON *f = NULL;
    size_t n = 0;
    switch (a->type) {
    case EC__ACT_PERCENT_OFF:
        EC_TRY(ec__jrequire(v, "percent", &f, c->err));
        return ec__jpercent(f, "percent", &a->percent, c->err);
    case EC__ACT_AMOUNT_OFF_EACH:
    case EC__ACT_AMOUNT_OFF_ORDER:
        EC_TRY(ec__jrequire(v, "amount", &f, c->err));
        return read_money_map(c, f, "amount", &a->amount);
    case EC__ACT_FIXED_PRICE:
        EC_TRY(ec__jrequire(v, "price", &f, c->err));
        return read_money_map(c, f, "price", &a->amount);
    case EC__ACT_BUY_X_GET_Y:
        return read_bxgy(c, v, a);
    case EC__ACT_TIERED_PERCENT: {
        EC_TRY(ec__jrequire(v, "tiers", &f, c->err));
        EC_TRY(ec__jarray(f, "tiers", 1000, &n, c->err));
        EC_FAIL_IF(n == 0, c->err, EC_INVALID_FIELD, "tiers", "tiers needs at least one tier");
        ec__percent_tier *tiers = ARENA_ARRAY(c, n, ec__percent_tier);
        if (!tiers) return NOMEM(c);
        EACH(c, f, "tiers", i, t, read_percent_tier(c, t, &tiers[i]));
        a->tiers = tiers;
        a->ntiers = (uint32_t)n;
        return EC_OK;
    }
    default:
        return EC_OK;
    }
}

static ec_status read_action(rctx *c, const cJSON *v, ec__action *a)
{
    const cJSON *f = NULL;
    int type;
    EC_FAIL_IF(!cJSON_IsObject(v), c->err, EC_INVALID_FIELD, NULL, "action must be an object");
    EC_TRY(ec__jrequire(v, "type", &f, c->err));
    EC_TRY(ec__jenum(f, "type", action_names, &type, c->err));
    a->type = (uint8_t)type;
    EC_TRY(ec__jkeys(v, action_keys(type), action_names[type], c->err));
    return read_action_fields(c, v, a);
}

static ec_status read_str_list(rctx *c, const cJSON *obj, const char *key, const ec__str **out,
                               uint32_t *count)
{
    const cJSON *v = ec__jget(obj, key);
    size_t n = 0;
    *out = NULL;
    *count = 0;
    if (!v) return EC_OK;
    EC_TRY(ec__jarray(v, key, EC_RULESET_MAX_PRODUCTS, &n, c->err));
    ec__str *list = ARENA_ARRAY(c, n, ec__str);
    if (!list) return NOMEM(c);
    EACH(c, v, key, i, e, read_str(c, e, "", &list[i], 1));
    *out = list;
    *count = (uint32_t)n;
    return EC_OK;
}

static const char *const target_keys[] = {"skus", "categories", "sku_pattern", "exclude_skus",
                                          NULL};

static ec_status read_target(rctx *c, const cJSON *v, ec__promotion *p)
{
    const cJSON *f = NULL;
    ec__symset cats;
    EC_TRY(ec__jkeys(v, target_keys, "target", c->err));
    p->has_target = 1;
    EC_TRY(read_str_list(c, v, "skus", &p->skus, &p->nskus));
    EC_TRY(read_symset(c, v, "categories", &cats));
    p->cats = cats.ids;
    p->ncats = cats.n;
    if ((f = ec__jget(v, "sku_pattern"))) {
        EC_TRY(read_str(c, f, "sku_pattern", &p->pattern, 0));
        EC_FAIL_IF(p->pattern.n == 0 || p->pattern.n > 1024, c->err, EC_INVALID_FIELD,
                   "sku_pattern", "sku_pattern must be 1 to 1024 bytes");
    }
    return read_str_list(c, v, "exclude_skus", &p->exclude, &p->nexclude);
}

/* Product promotions set the unit price every channel shows, so they may
 * not depend on the cart (formats.md 2). */
static ec_status check_product_level(rctx *c, const cJSON *v, const ec__promotion *p)
{
    static const char *const cart_only[] = {"coupon",      "min_subtotal", "min_quantity",
                                            "usage_limit", "max_discount", NULL};
    for (int k = 0; cart_only[k]; k++)
        EC_FAIL_IF(ec__jget(v, cart_only[k]), c->err, EC_INVALID_FIELD, cart_only[k],
                   "product promotions cannot have %s", cart_only[k]);
    int t = p->action.type;
    EC_FAIL_IF(t != EC__ACT_PERCENT_OFF && t != EC__ACT_AMOUNT_OFF_EACH && t != EC__ACT_FIXED_PRICE,
               c->err, EC_INVALID_FIELD, "action.type",
               "product promotions use percent_off, amount_off_each or fixed_price");
    return EC_OK;
}

static const char *const promotion_keys[] = {
    "id",           "name",         "level",       "priority",        "stacking",     "valid_from",
    "valid_to",     "coupon",       "usage_limit", "customer_groups", "channels",     "countries",
    "min_subtotal", "min_quantity", "target",      "action",          "max_discount", NULL};
static const char *const level_names[] = {"cart", "product", NULL};
static const char *const stacking_names[] = {"stack", "stop", "exclusive", NULL};

static ec_status read_promo_limits(rctx *c, const cJSON *v, ec__promotion *p)
{
    const cJSON *f = NULL;
    if ((f = ec__jget(v, "coupon"))) EC_TRY(read_str(c, f, "coupon", &p->coupon, 1));
    if ((f = ec__jget(v, "usage_limit"))) {
        EC_TRY(ec__jint(f, "usage_limit", 0, 1000000000000LL, &p->usage_limit, c->err));
        p->has_usage_limit = 1;
    }
    EC_TRY(read_symset(c, v, "customer_groups", &p->groups));
    EC_TRY(read_symset(c, v, "channels", &p->channels));
    EC_TRY(read_symset(c, v, "countries", &p->countries));
    EC_TRY(read_money_map(c, ec__jget(v, "min_subtotal"), "min_subtotal", &p->min_subtotal));
    if ((f = ec__jget(v, "min_quantity")))
        EC_TRY(ec__jint(f, "min_quantity", 0, 1000000000, &p->min_quantity, c->err));
    return read_money_map(c, ec__jget(v, "max_discount"), "max_discount", &p->max_discount);
}

static ec_status read_promotion(rctx *c, const cJSON *v, ec__promotion *p)
{
    const cJSON *f = NULL;
    int e;
    EC_TRY(ec__jkeys(v, promotion_keys, "a promotion", c->err));
    EC_TRY(ec__jrequire(v, "id", &f, c->err));
    EC_TRY(read_str(c, f, "id", &p->id, 1));
    if ((f = ec__jget(v, "name"))) { /* display only: checked, not kept */
        ec__str name;
        EC_TRY(read_str(c, f, "name", &name, 0));
    }
    if ((f = ec__jget(v, "level"))) {
        EC_TRY(ec__jenum(f, "level", level_names, &e, c->err));
        p->level = (uint8_t)e;
    }
    if ((f = ec__jget(v, "priority")))
        EC_TRY(ec__jint(f, "priority", -1000000000, 1000000000, &p->priority, c->err));
    if ((f = ec__jget(v, "stacking"))) {
        EC_TRY(ec__jenum(f, "stacking", stacking_names, &e, c->err));
        p->stacking = (uint8_t)e;
    }
    EC_TRY(read_window(c, v, &p->window));
    EC_TRY(read_promo_limits(c, v, p));
    if ((f = ec__jget(v, "target"))) EC_TRY(prefixed(c, read_target(c, f, p), "target"));
    EC_TRY(ec__jrequire(v, "action", &f, c->err));
    EC_TRY(prefixed(c, read_action(c, f, &p->action), "action"));
    return p->level == EC__LEVEL_PRODUCT ? check_product_level(c, v, p) : EC_OK;
}

/* ---- the document ----------------------------------------------------------- */

#define READ_ARRAY(c, doc, key, max, arr, n, type, reader)                                         \
    do {                                                                                           \
        const cJSON *a_ = ec__jget(doc, key);                                                      \
        size_t n_ = 0;                                                                             \
        if (a_) EC_TRY(ec__jarray(a_, key, max, &n_, (c)->err));                                   \
        type *v_ = ARENA_ARRAY(c, n_, type);                                                       \
        if (!v_) return NOMEM(c);                                                                  \
        (arr) = v_;                                                                                \
        (n) = (uint32_t)n_;                                                                        \
        if (a_) EACH(c, a_, key, i_, e_, reader(c, e_, &v_[i_]));                                  \
    } while (0)

static const char *const ruleset_keys[] = {
    "currency", "rounding",    "prices_include_tax", "tax_rounding", "tax",
    "products", "price_lists", "promotions",         "shipping",     NULL};
static const char *const rounding_names[] = {"half_even", "half_up", "half_down", "up",
                                             "down",      "ceiling", "floor",     NULL};
static const char *const tax_rounding_names[] = {"line", "total", NULL};

static ec_status read_settings(rctx *c, const cJSON *doc)
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
    rs->sym_standard = ec__ruleset_symbol(rs, "standard", 8);
    return rs->sym_standard == EC__SYM_NONE ? NOMEM(c) : EC_OK;
}

static ec_status read_ruleset(rctx *c, const cJSON *doc)
{
    ec_ruleset *rs = c->rs;
    EC_TRY(read_settings(c, doc));
    READ_ARRAY(c, doc, "tax", 100000, rs->taxes, rs->ntaxes, ec__tax_rate, read_tax);
    READ_ARRAY(c, doc, "products", EC_RULESET_MAX_PRODUCTS, rs->products, rs->nproducts,
               ec__product, read_product);
    READ_ARRAY(c, doc, "price_lists", EC_RULESET_MAX_PRICE_LISTS, rs->price_lists, rs->nprice_lists,
               ec__price_list, read_price_list);
    READ_ARRAY(c, doc, "promotions", EC_RULESET_MAX_PROMOTIONS, rs->promotions, rs->npromotions,
               ec__promotion, read_promotion);
    for (uint32_t i = 0; i < rs->npromotions; i++) rs->promotions[i].src = i;
    READ_ARRAY(c, doc, "shipping", 10000, rs->shipping, rs->nshipping, ec__shipping, read_shipping);
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
        rctx c = {rs, err};
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
