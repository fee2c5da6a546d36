/* cart_scan.c - the common cart document read straight into an ec_cart.
 *
 * Building and freeing a cJSON tree was half the cost of pricing a cart
 * document.  This reader walks the text once and fills the cart through the
 * cart's own checks, but it only knows the plain form of a valid cart:
 * strings without escapes or control bytes, integers written as digits,
 * white space of the four JSON kinds, each key once.  On anything else
 * (an error, an escape, a number like 1.0, a null where a value is
 * required) it gives up, and the cJSON reader reads the document again and
 * reports exactly as before.  So it may refuse valid carts, but it must
 * never accept a document the cJSON reader refuses, nor read one
 * differently; fuzz_cart compares the two. */
#include <string.h>

#include "cart/cart_internal.h"
#include "ecommerce/json.h"
#include "ecommerce/money.h"
#include "json/cart_json.h"

typedef struct scan {
    const char *p, *end;
} scan;

/* The keys of a cart; a bit each in `seen`. */
enum {
    K_ID,
    K_CURRENCY,
    K_COUNTRY,
    K_GROUP,
    K_CHANNEL,
    K_AT,
    K_LINES,
    K_COUPONS,
    K_SHIPPING,
    K_USES,
    K_REGION,
    K_POSTAL,
    K_CUSTOMER,
    K_TAX_CLASS,
    K_EXEMPT,
    K_CUSTOMER_USES,
    K_COUPON_USES,
    K_SPENT,
    K_COUNT
};
typedef struct name {
    const char *s;
    size_t n;
} name;
#define NAME(s)                                                                                    \
    {                                                                                              \
        s, sizeof s - 1                                                                            \
    }
static const name cart_keys[K_COUNT] = {NAME("id"),
                                        NAME("currency"),
                                        NAME("country"),
                                        NAME("customer_group"),
                                        NAME("channel"),
                                        NAME("at"),
                                        NAME("lines"),
                                        NAME("coupons"),
                                        NAME("shipping_method"),
                                        NAME("promotion_uses"),
                                        NAME("region"),
                                        NAME("postal_code"),
                                        NAME("customer"),
                                        NAME("tax_class"),
                                        NAME("tax_exempt"),
                                        NAME("customer_promotion_uses"),
                                        NAME("coupon_uses"),
                                        NAME("promotion_spent")};
enum { REQUIRED = 1u << K_CURRENCY | 1u << K_AT | 1u << K_LINES };

static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* The expected byte; white space is looked for only when it is not next,
 * since documents built by programs seldom have any. */
static int eat(scan *s, char c)
{
    if (s->p == s->end || *s->p != c) {
        skip_ws(s);
        if (s->p == s->end || *s->p != c) return 0;
    }
    s->p++;
    return 1;
}

/* A literal null (which the cJSON reader treats as an absent key). */
static int eat_null(scan *s)
{
    skip_ws(s);
    if (s->end - s->p < 4 || memcmp(s->p, "null", 4) != 0) return 0;
    s->p += 4;
    return 1;
}

/* The bytes that end the plain part of a string: the closing quote, an
 * escape, a control byte (which the cJSON reader is left to judge). */
#define CTL8(b) 1, 1, 1, 1, 1, 1, 1, 1
static const unsigned char string_stop[256] = {CTL8(0),  CTL8(8),   CTL8(16),
                                               CTL8(24), ['"'] = 1, ['\\'] = 1};
#undef CTL8

/* A string without escapes or control bytes: its bytes as they stand. */
static int string(scan *s, const char **out, size_t *n)
{
    if (!eat(s, '"')) return 0;
    const char *b = s->p, *p = s->p, *end = s->end;
    while (p < end && !string_stop[(unsigned char)*p]) p++;
    if (p == end || *p != '"') return 0;
    *out = b;
    *n = (size_t)(p - b);
    s->p = p + 1;
    return 1;
}

/* An integer in [min, max] written as plain digits (no sign, fraction,
 * exponent or leading zero); 13 digits cover every limit of a cart. */
static int integer(scan *s, int64_t min, int64_t max, int64_t *out)
{
    skip_ws(s);
    const char *b = s->p;
    int64_t v = 0;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && s->p - b < 14)
        v = v * 10 + (*s->p++ - '0');
    size_t n = (size_t)(s->p - b);
    if (n == 0 || n > 13 || (n > 1 && *b == '0')) return 0;
    *out = v;
    return v >= min && v <= max;
}

/* One key, then its colon; the index of a known key, or -1. */
static int key(scan *s, const name *names, int count)
{
    const char *k = NULL;
    size_t n = 0;
    if (!string(s, &k, &n) || !eat(s, ':')) return -1;
    for (int i = 0; i < count; i++)
        if (names[i].n == n && memcmp(names[i].s, k, n) == 0) return i;
    return -1;
}

/* An optional identifier: null leaves it absent. */
static int read_id(scan *s, ec_cart *c, ec__str *dst)
{
    const char *v = NULL;
    size_t n = 0;
    if (eat_null(s)) return 1;
    return string(s, &v, &n) && ec__cart_put_id(c, dst, v, n);
}

static int read_currency(scan *s, ec_cart *c)
{
    const char *v = NULL;
    size_t n = 0;
    if (!string(s, &v, &n)) return 0;
    c->currency = ec_currency_find(v, n);
    return c->currency >= 0;
}

static int read_at(scan *s, ec_cart *c)
{
    const char *v = NULL;
    size_t n = 0;
    if (!string(s, &v, &n) || ec_time_parse(v, n, &c->at, NULL) != EC_OK) return 0;
    c->has_at = 1;
    return 1;
}

/* {"sku": "...", "quantity": n} in either order. */
static int read_line(scan *s, ec_cart *c)
{
    static const name names[] = {NAME("sku"), NAME("quantity")};
    const char *sku = NULL;
    size_t n = 0;
    int64_t q = 0;
    unsigned seen = 0;
    if (!eat(s, '{')) return 0;
    do {
        int k = key(s, names, 2);
        if (k < 0 || seen & (1u << k)) return 0;
        seen |= 1u << k;
        if (!(k == 0 ? string(s, &sku, &n) : integer(s, 1, EC_CART_MAX_QUANTITY, &q))) return 0;
    } while (eat(s, ','));
    return seen == 3 && eat(s, '}') && ec__cart_put_line(c, sku, n, q);
}

static int read_lines(scan *s, ec_cart *c)
{
    if (!eat(s, '[')) return 0;
    do {
        if (!read_line(s, c)) return 0;
    } while (eat(s, ','));
    return eat(s, ']');
}

static int read_coupons(scan *s, ec_cart *c)
{
    const char *v = NULL;
    size_t n = 0;
    if (eat_null(s)) return 1;
    if (!eat(s, '[')) return 0;
    if (eat(s, ']')) return 1;
    do {
        if (!string(s, &v, &n) || !ec__cart_put_coupon(c, v, n)) return 0;
    } while (eat(s, ','));
    return eat(s, ']');
}

/* A literal true or false; null leaves the field as it is (false). */
static int read_bool(scan *s, uint8_t *out)
{
    skip_ws(s);
    if (eat_null(s)) return 1;
    if (s->end - s->p >= 4 && memcmp(s->p, "true", 4) == 0) {
        s->p += 4;
        *out = 1;
        return 1;
    }
    if (s->end - s->p >= 5 && memcmp(s->p, "false", 5) == 0) {
        s->p += 5;
        *out = 0;
        return 1;
    }
    return 0;
}

/* A money string in the cart's currency, which must be known by now (else
 * the cJSON reader, which reads the currency first, takes the document). */
static int money(scan *s, const ec_cart *c, int64_t *out)
{
    const char *v = NULL;
    size_t n = 0;
    return c->currency >= 0 && string(s, &v, &n) &&
           ec_money_parse(v, n, ec_currency_exponent(c->currency), out, NULL) == EC_OK;
}

/* {"key": count or money, ...}; a repeated key keeps the last value, as
 * the cJSON reader does. */
static int read_counts(scan *s, ec_cart *c, ec__counts *m, int is_money)
{
    const char *id = NULL;
    size_t n = 0;
    int64_t v = 0;
    if (eat_null(s)) return 1;
    if (!eat(s, '{')) return 0;
    if (eat(s, '}')) return 1;
    do {
        if (!string(s, &id, &n) || !eat(s, ':') ||
            !(is_money ? money(s, c, &v) : integer(s, 0, 1000000000000LL, &v)) ||
            !ec__cart_put_count(c, m, id, n, v))
            return 0;
    } while (eat(s, ','));
    return eat(s, '}');
}

static int read_member(scan *s, ec_cart *c, int k)
{
    switch (k) {
    case K_ID:
        return read_id(s, c, &c->id);
    case K_CURRENCY:
        return read_currency(s, c);
    case K_COUNTRY:
        return read_id(s, c, &c->country);
    case K_GROUP:
        return read_id(s, c, &c->customer_group);
    case K_CHANNEL:
        return read_id(s, c, &c->channel);
    case K_AT:
        return read_at(s, c);
    case K_LINES:
        return read_lines(s, c);
    case K_COUPONS:
        return read_coupons(s, c);
    case K_SHIPPING:
        return read_id(s, c, &c->shipping_method);
    case K_USES:
        return read_counts(s, c, &c->uses, 0);
    case K_REGION:
        return read_id(s, c, &c->region);
    case K_POSTAL:
        return read_id(s, c, &c->postal_code);
    case K_CUSTOMER:
        return read_id(s, c, &c->customer);
    case K_TAX_CLASS:
        return read_id(s, c, &c->tax_class);
    case K_EXEMPT:
        return read_bool(s, &c->tax_exempt);
    case K_CUSTOMER_USES:
        return read_counts(s, c, &c->customer_uses, 0);
    case K_COUPON_USES:
        return read_counts(s, c, &c->coupon_uses, 0);
    default:
        return read_counts(s, c, &c->spent, 1);
    }
}

int ec__cart_scan(ec_cart *c, const char *json, size_t len)
{
    if (!json || len > EC_JSON_MAX_DOCUMENT) return 0;
    scan s = {json, json + len};
    unsigned seen = 0;
    if (!eat(&s, '{')) return 0;
    do {
        int k = key(&s, cart_keys, K_COUNT);
        if (k < 0 || seen & (1u << k)) return 0;
        seen |= 1u << k;
        if (!read_member(&s, c, k)) return 0;
    } while (eat(&s, ','));
    if (!eat(&s, '}') || (seen & REQUIRED) != REQUIRED) return 0;
    skip_ws(&s);
    return s.p == s.end;
}
