/* promotion_json.c - a ruleset's promotions into the model: the checks,
 * the target, the action and the limits of each.
 *
 * Besides the fields of every promotion, these are read here: coupon as one
 * code or a list of codes, code_usage_limit, usage_limit_per_customer,
 * budget, group, exclude_discounted, and a buy_x_get_y's reward_target.
 * Each is checked on its own; what spans promotions (duplicate ids, groups,
 * code indexes) is left to ec__ruleset_compile(). */
#include <string.h>

#include "json/ruleset_read.h"

/* Coupon codes one promotion may list. */
#define MAX_CODES 1000000

/* ---- actions ----------------------------------------------------------------------- */

static const char *const action_names[] = {
    "percent_off", "amount_off_each", "amount_off_order", "fixed_price",
    "buy_x_get_y", "tiered_percent",  "free_shipping",    NULL};

/* Keys each action type accepts besides "type". */
static const char *const *action_keys(int type)
{
    static const char *const percent[] = {"type", "percent", NULL};
    static const char *const amount[] = {"type", "amount", NULL};
    static const char *const price[] = {"type", "price", NULL};
    static const char *const bxgy[] = {"type",          "buy", "get", "percent", "max_applications",
                                       "reward_target", NULL};
    static const char *const tiered[] = {"type", "tiers", NULL};
    static const char *const none[] = {"type", NULL};
    static const char *const *const keys[] = {percent, amount, amount, price, bxgy, tiered, none};
    return keys[type];
}

static const char *const percent_tier_keys[] = {"min_subtotal", "percent", NULL};

static ec_status read_percent_tier(ec__rctx *c, const cJSON *v, ec__percent_tier *t)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, percent_tier_keys, "a tier", c->err));
    EC_TRY(ec__jrequire(v, "min_subtotal", &f, c->err));
    EC_TRY(ec__rmoney_map(c, f, "min_subtotal", &t->min_subtotal));
    EC_TRY(ec__jrequire(v, "percent", &f, c->err));
    return ec__jpercent(f, "percent", &t->percent, c->err);
}

static ec_status read_target(ec__rctx *c, const cJSON *v, ec__target *t);

static ec_status read_bxgy(ec__rctx *c, const cJSON *v, ec__action *a)
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
    if (!(f = ec__jget(v, "reward_target"))) return EC_OK;
    a->has_reward = 1;
    return ec__rprefixed(c, read_target(c, f, &a->reward), "reward_target");
}

static ec_status read_action_fields(ec__rctx *c, const cJSON *v, ec__action *a)
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
        return ec__rmoney_map(c, f, "amount", &a->amount);
    case EC__ACT_FIXED_PRICE:
        EC_TRY(ec__jrequire(v, "price", &f, c->err));
        return ec__rmoney_map(c, f, "price", &a->amount);
    case EC__ACT_BUY_X_GET_Y:
        return read_bxgy(c, v, a);
    case EC__ACT_TIERED_PERCENT: {
        EC_TRY(ec__jrequire(v, "tiers", &f, c->err));
        EC_TRY(ec__jarray(f, "tiers", 1000, &n, c->err));
        EC_FAIL_IF(n == 0, c->err, EC_INVALID_FIELD, "tiers", "tiers needs at least one tier");
        ec__percent_tier *tiers = EC__RARRAY(c, n, ec__percent_tier);
        if (!tiers) return EC__RNOMEM(c);
        EC__REACH(c, f, "tiers", i, t, read_percent_tier(c, t, &tiers[i]));
        a->tiers = tiers;
        a->ntiers = (uint32_t)n;
        return EC_OK;
    }
    default:
        return EC_OK;
    }
}

static ec_status read_action(ec__rctx *c, const cJSON *v, ec__action *a)
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

/* ---- targets ------------------------------------------------------------------------ */

static const char *const target_keys[] = {"skus", "categories", "sku_pattern", "exclude_skus",
                                          NULL};

static ec_status read_target(ec__rctx *c, const cJSON *v, ec__target *t)
{
    const cJSON *f = NULL;
    ec__symset cats;
    EC_TRY(ec__jkeys(v, target_keys, "target", c->err));
    t->has_target = 1;
    EC_TRY(ec__rstr_list(c, v, "skus", EC_RULESET_MAX_PRODUCTS, &t->skus, &t->nskus));
    EC_TRY(ec__rsymset(c, v, "categories", &cats));
    t->cats = cats.ids;
    t->ncats = cats.n;
    if ((f = ec__jget(v, "sku_pattern"))) {
        EC_TRY(ec__rstr(c, f, "sku_pattern", &t->pattern, 0));
        EC_FAIL_IF(t->pattern.n == 0 || t->pattern.n > 1024, c->err, EC_INVALID_FIELD,
                   "sku_pattern", "sku_pattern must be 1 to 1024 bytes");
    }
    return ec__rstr_list(c, v, "exclude_skus", EC_RULESET_MAX_PRODUCTS, &t->exclude, &t->nexclude);
}

/* ---- limits ------------------------------------------------------------------------- */

/* "coupon": one code, or a list of codes any one of which activates it. */
static ec_status read_coupons(ec__rctx *c, const cJSON *v, ec__promotion *p)
{
    const cJSON *f = ec__jget(v, "coupon");
    if (!f) return EC_OK;
    if (!cJSON_IsArray(f)) {
        ec__str *code = EC__RARRAY(c, 1, ec__str);
        if (!code) return EC__RNOMEM(c);
        EC_TRY(ec__rstr(c, f, "coupon", code, 1));
        p->coupons = code;
        p->ncoupons = 1;
        return EC_OK;
    }
    EC_TRY(ec__rstr_list(c, v, "coupon", MAX_CODES, &p->coupons, &p->ncoupons));
    EC_FAIL_IF(p->ncoupons == 0, c->err, EC_INVALID_FIELD, "coupon",
               "coupon needs at least one code (leave it out for none)");
    return EC_OK;
}

/* An optional count limit: *has set when the key is there. */
static ec_status read_limit(ec__rctx *c, const cJSON *v, const char *key, uint8_t *has,
                            int64_t *out)
{
    const cJSON *f = ec__jget(v, key);
    if (!f) return EC_OK;
    *has = 1;
    return ec__jint(f, key, 0, 1000000000000LL, out, c->err);
}

static ec_status read_promo_limits(ec__rctx *c, const cJSON *v, ec__promotion *p)
{
    const cJSON *f = NULL;
    EC_TRY(read_coupons(c, v, p));
    EC_TRY(read_limit(c, v, "usage_limit", &p->has_usage_limit, &p->usage_limit));
    EC_TRY(
        read_limit(c, v, "usage_limit_per_customer", &p->has_customer_limit, &p->customer_limit));
    EC_TRY(read_limit(c, v, "code_usage_limit", &p->has_code_limit, &p->code_limit));
    EC_FAIL_IF(p->has_code_limit && !p->ncoupons, c->err, EC_INVALID_FIELD, "code_usage_limit",
               "code_usage_limit needs a coupon");
    EC_TRY(ec__rmoney_map(c, ec__jget(v, "budget"), "budget", &p->budget));
    EC_TRY(ec__rsymset(c, v, "customer_groups", &p->groups));
    EC_TRY(ec__rsymset(c, v, "channels", &p->channels));
    EC_TRY(ec__rsymset(c, v, "countries", &p->countries));
    EC_TRY(ec__rmoney_map(c, ec__jget(v, "min_subtotal"), "min_subtotal", &p->min_subtotal));
    if ((f = ec__jget(v, "min_quantity")))
        EC_TRY(ec__jint(f, "min_quantity", 0, 1000000000, &p->min_quantity, c->err));
    return ec__rmoney_map(c, ec__jget(v, "max_discount"), "max_discount", &p->max_discount);
}

/* ---- the promotion --------------------------------------------------------------------- */

/* Product promotions set the unit price every channel shows, so they may
 * not depend on the cart, nor on what the shoppers before spent. */
static ec_status check_product_level(ec__rctx *c, const cJSON *v, const ec__promotion *p)
{
    static const char *const cart_only[] = {"coupon",
                                            "min_subtotal",
                                            "min_quantity",
                                            "usage_limit",
                                            "max_discount",
                                            "budget",
                                            "group",
                                            "code_usage_limit",
                                            "usage_limit_per_customer",
                                            "exclude_discounted",
                                            NULL};
    for (int k = 0; cart_only[k]; k++)
        EC_FAIL_IF(ec__jget(v, cart_only[k]), c->err, EC_INVALID_FIELD, cart_only[k],
                   "product promotions cannot have %s", cart_only[k]);
    int t = p->action.type;
    EC_FAIL_IF(t != EC__ACT_PERCENT_OFF && t != EC__ACT_AMOUNT_OFF_EACH && t != EC__ACT_FIXED_PRICE,
               c->err, EC_INVALID_FIELD, "action.type",
               "product promotions use percent_off, amount_off_each or fixed_price");
    return EC_OK;
}

static const char *const promotion_keys[] = {"id",
                                             "name",
                                             "level",
                                             "priority",
                                             "stacking",
                                             "group",
                                             "exclude_discounted",
                                             "valid_from",
                                             "valid_to",
                                             "coupon",
                                             "code_usage_limit",
                                             "usage_limit",
                                             "usage_limit_per_customer",
                                             "budget",
                                             "customer_groups",
                                             "channels",
                                             "countries",
                                             "min_subtotal",
                                             "min_quantity",
                                             "target",
                                             "action",
                                             "max_discount",
                                             NULL};
static const char *const level_names[] = {"cart", "product", NULL};
static const char *const stacking_names[] = {"stack", "stop", "exclusive", NULL};

/* level, priority, stacking, group and exclude_discounted. */
static ec_status read_order(ec__rctx *c, const cJSON *v, ec__promotion *p)
{
    const cJSON *f = NULL;
    int e = 0;
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
    p->group_sym = EC__SYM_NONE;
    if ((f = ec__jget(v, "group"))) {
        EC_TRY(ec__rsymbol(c, f, "group", &p->group_sym));
        /* an exclusive promotion is weighed alone against the rest: it
         * cannot also compete inside a group */
        EC_FAIL_IF(p->stacking == EC__EXCLUSIVE, c->err, EC_INVALID_FIELD, "group",
                   "a group member cannot be stacking \"exclusive\"");
    }
    if ((f = ec__jget(v, "exclude_discounted"))) {
        EC_TRY(ec__jbool(f, "exclude_discounted", &e, c->err));
        p->exclude_discounted = (uint8_t)e;
    }
    return EC_OK;
}

ec_status ec__read_promotion(ec__rctx *c, const cJSON *v, ec__promotion *p)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, promotion_keys, "a promotion", c->err));
    EC_TRY(ec__jrequire(v, "id", &f, c->err));
    EC_TRY(ec__rstr(c, f, "id", &p->id, 1));
    if ((f = ec__jget(v, "name"))) { /* display only: checked, not kept */
        ec__str name;
        EC_TRY(ec__rstr(c, f, "name", &name, 0));
    }
    EC_TRY(read_order(c, v, p));
    EC_TRY(ec__rwindow(c, v, &p->window));
    EC_TRY(read_promo_limits(c, v, p));
    if ((f = ec__jget(v, "target")))
        EC_TRY(ec__rprefixed(c, read_target(c, f, &p->target), "target"));
    EC_TRY(ec__jrequire(v, "action", &f, c->err));
    EC_TRY(ec__rprefixed(c, read_action(c, f, &p->action), "action"));
    return p->level == EC__LEVEL_PRODUCT ? check_product_level(c, v, p) : EC_OK;
}
