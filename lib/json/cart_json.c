/* cart_json.c - the cart document into an ec_cart. */
#include <string.h>

#include "cart/cart_internal.h"
#include "common/internal.h"
#include "ecommerce/json.h"
#include "ecommerce/money.h"
#include "json/cart_json.h"
#include "json/read.h"

static const char *const cart_keys[] = {"id",
                                        "currency",
                                        "country",
                                        "region",
                                        "postal_code",
                                        "customer_group",
                                        "customer",
                                        "channel",
                                        "tax_exempt",
                                        "tax_class",
                                        "at",
                                        "lines",
                                        "coupons",
                                        "shipping_method",
                                        "promotion_uses",
                                        "customer_promotion_uses",
                                        "coupon_uses",
                                        "promotion_spent",
                                        NULL};
static const char *const line_keys[] = {"sku", "quantity", NULL};

/* An optional identifier member handed to a cart setter. */
static ec_status optional_id(ec_cart *cart, const cJSON *doc, const char *key,
                             ec_status (*set)(ec_cart *, const char *, ec_error *), ec_error *err)
{
    const cJSON *f = ec__jget(doc, key);
    const char *s = NULL;
    size_t n = 0;
    if (!f) return EC_OK;
    EC_TRY(ec__jid(f, key, &s, &n, err));
    return set(cart, s, err);
}

static ec_status read_line(ec_cart *cart, const cJSON *v, ec_error *err)
{
    const cJSON *f = NULL;
    const char *sku = NULL;
    size_t n = 0;
    int64_t q = 0;
    EC_TRY(ec__jkeys(v, line_keys, "a line", err));
    EC_TRY(ec__jrequire(v, "sku", &f, err));
    EC_TRY(ec__jid(f, "sku", &sku, &n, err));
    EC_TRY(ec__jrequire(v, "quantity", &f, err));
    EC_TRY(ec__jint(f, "quantity", 1, EC_CART_MAX_QUANTITY, &q, err));
    ec_status st = ec_cart_add_line(cart, sku, q, err);
    if (st != EC_OK && err) err->field[0] = '\0'; /* the caller names the line */
    return st;
}

static ec_status read_lines(ec_cart *cart, const cJSON *doc, ec_error *err)
{
    const cJSON *v;
    size_t n = 0;
    EC_TRY(ec__jrequire(doc, "lines", &v, err));
    EC_TRY(ec__jarray(v, "lines", EC_CART_MAX_LINES, &n, err));
    EC_FAIL_IF(n == 0, err, EC_INVALID_FIELD, "lines", "a cart needs at least one line");
    uint32_t i = 0;
    for (const cJSON *l = v->child; l; l = l->next, i++) {
        ec_status st = read_line(cart, l, err);
        if (st != EC_OK) {
            ec__error_prefix(err, "lines[%u]", i);
            return st;
        }
    }
    return EC_OK;
}

static ec_status read_coupons(ec_cart *cart, const cJSON *doc, ec_error *err)
{
    const cJSON *v = ec__jget(doc, "coupons");
    const char *s = NULL;
    size_t n = 0;
    if (!v) return EC_OK;
    EC_TRY(ec__jarray(v, "coupons", EC_CART_MAX_COUPONS, &n, err));
    uint32_t i = 0;
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        ec_status st = ec__jid(c, "", &s, &n, err);
        if (st == EC_OK) st = ec_cart_add_coupon(cart, s, err);
        if (st != EC_OK) {
            ec__error_field(err, "coupons[%u]", i);
            return st;
        }
    }
    return EC_OK;
}

/* One entry of a count map: a count, or money in the cart's currency. */
static ec_status read_count(ec_cart *cart, const cJSON *u, int money, int64_t *v, ec_error *err)
{
    if (!ec__id_valid(u->string, strlen(u->string)))
        return ec__fail(err, EC_INVALID_FIELD, NULL, "not an identifier");
    if (!money) return ec__jint(u, "", 0, 1000000000000LL, v, err);
    return ec__jmoney(u, "", ec_currency_exponent(cart->currency), v, err);
}

/* {"key": count or money, ...}; money maps need the currency, read first. */
static ec_status read_counts(ec_cart *cart, const cJSON *doc, const char *map, int money,
                             ec_status (*set)(ec_cart *, const char *, int64_t, ec_error *),
                             ec_error *err)
{
    const cJSON *v = ec__jget(doc, map);
    int64_t value = 0;
    if (!v) return EC_OK;
    EC_FAIL_IF(!cJSON_IsObject(v), err, EC_INVALID_FIELD, map, "%s must be an object of %s", map,
               money ? "promotion id to money" : "key to count");
    for (const cJSON *u = v->child; u; u = u->next) {
        ec_status st = read_count(cart, u, money, &value, err);
        if (st == EC_OK) st = set(cart, u->string, value, err);
        if (st != EC_OK) {
            ec__error_field(err, "%s.%.128s", map, u->string);
            return st;
        }
    }
    return EC_OK;
}

static ec_status read_exempt(ec_cart *cart, const cJSON *doc, ec_error *err)
{
    const cJSON *f = ec__jget(doc, "tax_exempt");
    int exempt = 0;
    if (!f) return EC_OK;
    EC_TRY(ec__jbool(f, "tax_exempt", &exempt, err));
    return ec_cart_set_tax_exempt(cart, exempt, err);
}

/* The context after the currency: where and as whom it is priced. */
static ec_status read_context(ec_cart *cart, const cJSON *doc, ec_error *err)
{
    EC_TRY(optional_id(cart, doc, "country", ec_cart_set_country, err));
    EC_TRY(optional_id(cart, doc, "region", ec_cart_set_region, err));
    EC_TRY(optional_id(cart, doc, "postal_code", ec_cart_set_postal_code, err));
    EC_TRY(optional_id(cart, doc, "customer_group", ec_cart_set_customer_group, err));
    EC_TRY(optional_id(cart, doc, "customer", ec_cart_set_customer, err));
    EC_TRY(optional_id(cart, doc, "channel", ec_cart_set_channel, err));
    EC_TRY(read_exempt(cart, doc, err));
    return optional_id(cart, doc, "tax_class", ec_cart_set_tax_class, err);
}

static ec_status read_cart(ec_cart *cart, const cJSON *doc, ec_error *err)
{
    const cJSON *f = NULL;
    const char *s = NULL;
    size_t n = 0;
    int64_t at = 0;
    EC_TRY(ec__jkeys(doc, cart_keys, "the cart", err));
    EC_TRY(optional_id(cart, doc, "id", ec_cart_set_id, err));
    EC_TRY(ec__jrequire(doc, "currency", &f, err));
    EC_TRY(ec__jstring(f, "currency", &s, &n, err));
    EC_TRY(ec_cart_set_currency(cart, s, err));
    EC_TRY(read_context(cart, doc, err));
    EC_TRY(ec__jrequire(doc, "at", &f, err));
    EC_TRY(ec__jtime(f, "at", &at, err));
    EC_TRY(ec_cart_set_at(cart, at, err));
    EC_TRY(read_lines(cart, doc, err));
    EC_TRY(read_coupons(cart, doc, err));
    EC_TRY(optional_id(cart, doc, "shipping_method", ec_cart_set_shipping_method, err));
    EC_TRY(read_counts(cart, doc, "promotion_uses", 0, ec_cart_set_promotion_uses, err));
    EC_TRY(read_counts(cart, doc, "customer_promotion_uses", 0, ec_cart_set_customer_promotion_uses,
                       err));
    EC_TRY(read_counts(cart, doc, "coupon_uses", 0, ec_cart_set_coupon_uses, err));
    return read_counts(cart, doc, "promotion_spent", 1, ec_cart_set_promotion_spent, err);
}

ec_status ec__cart_from_json_tree(ec_cart *cart, const char *json, size_t len, ec_error *err)
{
    cJSON *doc;
    EC_TRY(ec__jparse(json, len, &doc, err));
    ec_status st = read_cart(cart, doc, err);
    cJSON_Delete(doc);
    return st;
}

ec_status ec_cart_from_json(ec_cart *cart, const char *json, size_t len, ec_error *err)
{
    EC_FAIL_IF(!cart, err, EC_MISUSE, NULL, "cart is NULL");
    ec_cart_reset(cart);
    if (ec__cart_scan(cart, json, len)) return EC_OK;
    /* not the plain form, or not valid: the full reader says which */
    ec_cart_reset(cart);
    ec_status st = ec__cart_from_json_tree(cart, json, len, err);
    if (st != EC_OK) ec_cart_reset(cart);
    return st;
}
