/* cart.c - building a cart: validated copies of the caller's values. */
#include <stdio.h>
#include <string.h>

#include "cart/cart_internal.h"
#include "common/internal.h"

/* Strings of one cart are small; the arena's first block usually holds
 * all of them, and reset keeps it. */
enum { CART_ARENA_LIMIT = 64u << 20 };

ec_cart *ec_cart_new(void)
{
    return ec_cart_new_ex(NULL);
}

ec_cart *ec_cart_new_ex(const ec_allocator *alloc)
{
    ec_cart *c = ec__calloc(alloc, 1, sizeof *c);
    if (!c) return NULL;
    if (alloc) {
        c->alloc_copy = *alloc;
        c->alloc = &c->alloc_copy;
    }
    ec__arena_init(&c->arena, c->alloc, CART_ARENA_LIMIT);
    c->currency = -1;
    c->coupon_uses.fold_case = 1;
    return c;
}

void ec_cart_free(ec_cart *c)
{
    if (!c) return;
    ec__arena_free(&c->arena);
    ec__dealloc(c->alloc, c->lines);
    ec__dealloc(c->alloc, c->coupons);
    ec__counts *maps[] = {&c->uses, &c->customer_uses, &c->coupon_uses, &c->spent};
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) ec__dealloc(c->alloc, maps[i]->e);
    ec_allocator copy = c->alloc_copy;
    ec__dealloc(c->alloc ? &copy : NULL, c);
}

void ec_cart_reset(ec_cart *c)
{
    if (!c) return;
    ec__arena_reset(&c->arena);
    c->currency = -1;
    c->has_at = c->tax_exempt = 0;
    c->at = 0;
    memset(&c->id, 0, sizeof c->id);
    c->country = c->customer_group = c->channel = c->shipping_method = c->id;
    c->region = c->postal_code = c->tax_class = c->customer = c->id;
    c->nlines = c->ncoupons = 0;
    c->uses.n = c->customer_uses.n = c->coupon_uses.n = c->spent.n = 0;
}

/* Printable ASCII is the common case of an identifier and needs no UTF-8
 * decoding; anything else takes the full check. */
static int id_valid(const char *s, size_t len)
{
    if (len == 0 || len > 128) return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)(s[i] - 0x20) >= 0x5f) return ec__id_valid(s, len);
    return 1;
}

/* Copy len bytes of an identifier (not NUL-terminated) into the arena. */
static ec_status copy_idn(ec_cart *c, ec__str *dst, const char *s, size_t len, const char *field,
                          ec_error *err)
{
    EC_FAIL_IF(!id_valid(s, len), err, EC_INVALID_FIELD, field,
               "must be 1 to 128 bytes of UTF-8 without control characters");
    char *copy = ec__arena_strndup(&c->arena, s, len);
    EC_FAIL_IF(!copy, err, EC_NO_MEMORY, field, NULL);
    dst->p = copy;
    dst->n = (uint32_t)len;
    return EC_OK;
}

/* Copy an identifier into the cart's arena; NULL clears it. */
static ec_status copy_id(ec_cart *c, ec__str *dst, const char *s, const char *field, ec_error *err)
{
    if (!c) return ec__fail(err, EC_MISUSE, field, "cart is NULL");
    if (!s) {
        memset(dst, 0, sizeof *dst);
        return EC_OK;
    }
    return copy_idn(c, dst, s, strlen(s), field, err);
}

int ec__cart_put_id(ec_cart *c, ec__str *dst, const char *s, size_t len)
{
    return copy_idn(c, dst, s, len, NULL, NULL) == EC_OK;
}

ec_status ec_cart_set_currency(ec_cart *c, const char *code, ec_error *err)
{
    EC_FAIL_IF(!c || !code, err, EC_MISUSE, "currency", "cart or code is NULL");
    int32_t cur = ec_currency_find(code, strlen(code));
    EC_FAIL_IF(cur < 0, err, EC_UNKNOWN_CURRENCY, "currency",
               "\"%.8s\" is not an active ISO 4217 currency code", code);
    c->currency = cur;
    return EC_OK;
}

ec_status ec_cart_set_at(ec_cart *c, int64_t at_us, ec_error *err)
{
    EC_FAIL_IF(!c, err, EC_MISUSE, "at", "cart is NULL");
    c->at = at_us;
    c->has_at = 1;
    return EC_OK;
}

ec_status ec_cart_set_id(ec_cart *c, const char *id, ec_error *err)
{
    return copy_id(c, c ? &c->id : NULL, id, "id", err);
}

ec_status ec_cart_set_country(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->country : NULL, v, "country", err);
}

ec_status ec_cart_set_customer_group(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->customer_group : NULL, v, "customer_group", err);
}

ec_status ec_cart_set_channel(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->channel : NULL, v, "channel", err);
}

ec_status ec_cart_set_shipping_method(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->shipping_method : NULL, v, "shipping_method", err);
}

ec_status ec_cart_set_region(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->region : NULL, v, "region", err);
}

ec_status ec_cart_set_postal_code(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->postal_code : NULL, v, "postal_code", err);
}

ec_status ec_cart_set_tax_class(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->tax_class : NULL, v, "tax_class", err);
}

ec_status ec_cart_set_customer(ec_cart *c, const char *v, ec_error *err)
{
    return copy_id(c, c ? &c->customer : NULL, v, "customer", err);
}

ec_status ec_cart_set_tax_exempt(ec_cart *c, int32_t exempt, ec_error *err)
{
    EC_FAIL_IF(!c, err, EC_MISUSE, "tax_exempt", "cart is NULL");
    EC_FAIL_IF(exempt != 0 && exempt != 1, err, EC_INVALID_FIELD, "tax_exempt",
               "tax_exempt is 0 or 1");
    c->tax_exempt = (uint8_t)exempt;
    return EC_OK;
}

/* Grow an array kept across resets (doubling, never shrinking). */
static int reserve(ec_cart *c, void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) return 1;
    uint32_t n = *cap ? *cap * 2 : 16;
    while (n < need) n *= 2;
    void *p = ec__realloc(c->alloc, *arr, (size_t)n * elem);
    if (!p) return 0;
    *arr = p;
    *cap = n;
    return 1;
}

ec_status ec_cart_add_line(ec_cart *c, const char *sku, int64_t quantity, ec_error *err)
{
    EC_FAIL_IF(!c || !sku, err, EC_MISUSE, "lines", "cart or sku is NULL");
    uint32_t i = c->nlines;
    EC_FAIL_IF(i >= EC_CART_MAX_LINES, err, EC_LIMIT_EXCEEDED, "lines",
               "a cart holds at most %d lines", EC_CART_MAX_LINES);
    if (quantity < 1 || quantity > EC_CART_MAX_QUANTITY) {
        ec__fail(err, EC_INVALID_FIELD, NULL, "quantity must be an integer from 1 to %d",
                 EC_CART_MAX_QUANTITY);
        ec__error_field(err, "lines[%u].quantity", i);
        return EC_INVALID_FIELD;
    }
    ec_status st = EC_NO_MEMORY;
    if (reserve(c, (void **)&c->lines, &c->lines_cap, i + 1, sizeof *c->lines))
        st = copy_idn(c, &c->lines[i].sku, sku, strlen(sku), NULL, err);
    else
        ec__fail(err, st, NULL, NULL);
    if (st != EC_OK) {
        ec__error_field(err, "lines[%u].sku", i);
        return st;
    }
    c->lines[i].quantity = quantity;
    c->lines[i].hash = ec__strhash(c->lines[i].sku.p, c->lines[i].sku.n);
    c->nlines++;
    return EC_OK;
}

int ec__cart_put_line(ec_cart *c, const char *sku, size_t len, int64_t quantity)
{
    uint32_t i = c->nlines;
    if (i >= EC_CART_MAX_LINES || quantity < 1 || quantity > EC_CART_MAX_QUANTITY) return 0;
    if (!reserve(c, (void **)&c->lines, &c->lines_cap, i + 1, sizeof *c->lines)) return 0;
    if (copy_idn(c, &c->lines[i].sku, sku, len, NULL, NULL) != EC_OK) return 0;
    c->lines[i].quantity = quantity;
    c->lines[i].hash = ec__strhash(c->lines[i].sku.p, c->lines[i].sku.n);
    c->nlines++;
    return 1;
}

int ec__cart_put_coupon(ec_cart *c, const char *code, size_t len)
{
    uint32_t i = c->ncoupons;
    if (i >= EC_CART_MAX_COUPONS) return 0;
    if (!reserve(c, (void **)&c->coupons, &c->coupons_cap, i + 1, sizeof *c->coupons)) return 0;
    if (copy_idn(c, &c->coupons[i], code, len, NULL, NULL) != EC_OK) return 0;
    c->ncoupons++;
    return 1;
}

ec_status ec_cart_add_coupon(ec_cart *c, const char *code, ec_error *err)
{
    EC_FAIL_IF(!c || !code, err, EC_MISUSE, "coupons", "cart or code is NULL");
    uint32_t i = c->ncoupons;
    char field[32];
    snprintf(field, sizeof field, "coupons[%u]", i);
    EC_FAIL_IF(i >= EC_CART_MAX_COUPONS, err, EC_LIMIT_EXCEEDED, field,
               "a cart holds at most %d coupons", EC_CART_MAX_COUPONS);
    EC_FAIL_IF(!reserve(c, (void **)&c->coupons, &c->coupons_cap, i + 1, sizeof *c->coupons), err,
               EC_NO_MEMORY, field, NULL);
    EC_TRY(copy_id(c, &c->coupons[i], code, field, err));
    c->ncoupons++;
    return EC_OK;
}

/* ---- count maps: promotion_uses, customer_promotion_uses, coupon_uses,
 * promotion_spent ----------------------------------------------------------- */

static int same_key(const ec__counts *m, const ec__str *k, const char *key, size_t len)
{
    if (m->fold_case) return ec__ascii_casecmp(k->p, k->n, key, len) == 0;
    return k->n == len && memcmp(k->p, key, len) == 0;
}

int64_t ec__counts_get(const ec__counts *m, const char *key, size_t len)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (same_key(m, &m->e[i].key, key, len)) return m->e[i].value;
    return 0;
}

/* The value for one key; a repeated key replaces its value (for coupon
 * codes, a key equal but for case). */
static ec_status put_count(ec_cart *c, ec__counts *m, const char *key, size_t len, int64_t value,
                           const char *field, ec_error *err)
{
    for (uint32_t i = 0; i < m->n; i++) {
        if (same_key(m, &m->e[i].key, key, len)) {
            m->e[i].value = value;
            return EC_OK;
        }
    }
    EC_FAIL_IF(m->n >= EC_CART_MAX_PROMOTION_USES, err, EC_LIMIT_EXCEEDED, field,
               "too many entries (at most %d)", EC_CART_MAX_PROMOTION_USES);
    EC_FAIL_IF(!reserve(c, (void **)&m->e, &m->cap, m->n + 1, sizeof *m->e), err, EC_NO_MEMORY,
               field, NULL);
    EC_TRY(copy_idn(c, &m->e[m->n].key, key, len, field, err));
    m->e[m->n++].value = value;
    return EC_OK;
}

int ec__cart_put_count(ec_cart *c, ec__counts *m, const char *key, size_t len, int64_t value)
{
    return value >= 0 && put_count(c, m, key, len, value, NULL, NULL) == EC_OK;
}

/* A public setter: field "<map>.<key>" names the entry. */
static ec_status set_count(ec_cart *c, ec__counts *m, const char *map, const char *key,
                           int64_t value, ec_error *err)
{
    EC_FAIL_IF(!c || !key, err, EC_MISUSE, map, "cart or key is NULL");
    char field[EC_ERROR_FIELD_MAX];
    snprintf(field, sizeof field, "%s.%.128s", map, key);
    EC_FAIL_IF(value < 0, err, EC_INVALID_FIELD, field, "must be a non-negative integer");
    return put_count(c, m, key, strlen(key), value, field, err);
}

ec_status ec_cart_set_promotion_uses(ec_cart *c, const char *promotion_id, int64_t uses,
                                     ec_error *err)
{
    return set_count(c, c ? &c->uses : NULL, "promotion_uses", promotion_id, uses, err);
}

ec_status ec_cart_set_customer_promotion_uses(ec_cart *c, const char *promotion_id, int64_t uses,
                                              ec_error *err)
{
    return set_count(c, c ? &c->customer_uses : NULL, "customer_promotion_uses", promotion_id, uses,
                     err);
}

ec_status ec_cart_set_coupon_uses(ec_cart *c, const char *code, int64_t uses, ec_error *err)
{
    return set_count(c, c ? &c->coupon_uses : NULL, "coupon_uses", code, uses, err);
}

ec_status ec_cart_set_promotion_spent(ec_cart *c, const char *promotion_id, int64_t amount,
                                      ec_error *err)
{
    return set_count(c, c ? &c->spent : NULL, "promotion_spent", promotion_id, amount, err);
}

/* ---- reading back -------------------------------------------------------------- */

size_t ec_cart_line_count(const ec_cart *c)
{
    return c ? c->nlines : 0;
}

const char *ec_cart_line_sku(const ec_cart *c, size_t i)
{
    return c && i < c->nlines ? c->lines[i].sku.p : NULL;
}

int64_t ec_cart_line_quantity(const ec_cart *c, size_t i)
{
    return c && i < c->nlines ? c->lines[i].quantity : 0;
}

const char *ec_cart_currency(const ec_cart *c)
{
    return c && c->currency >= 0 ? ec_currency_code(c->currency) : NULL;
}

const char *ec_cart_id(const ec_cart *c)
{
    return c ? c->id.p : NULL;
}

const char *ec_cart_customer(const ec_cart *c)
{
    return c ? c->customer.p : NULL;
}

const char *ec_cart_region(const ec_cart *c)
{
    return c ? c->region.p : NULL;
}

const char *ec_cart_postal_code(const ec_cart *c)
{
    return c ? c->postal_code.p : NULL;
}

const char *ec_cart_tax_class(const ec_cart *c)
{
    return c ? c->tax_class.p : NULL;
}

int32_t ec_cart_tax_exempt(const ec_cart *c)
{
    return c ? c->tax_exempt : 0;
}

/* ---- equality, for the tests and fuzz targets that hold two readers of
 * one document against each other ------------------------------------------- */

static int same_str(const ec__str *a, const ec__str *b)
{
    if (!a->p || !b->p) return !a->p && !b->p;
    return a->n == b->n && memcmp(a->p, b->p, a->n) == 0 && a->p[a->n] == '\0' &&
           b->p[b->n] == '\0';
}

static int same_counts(const ec__counts *a, const ec__counts *b)
{
    if (a->n != b->n) return 0;
    for (uint32_t i = 0; i < a->n; i++)
        if (!same_str(&a->e[i].key, &b->e[i].key) || a->e[i].value != b->e[i].value) return 0;
    return 1;
}

int ec__cart_equal(const ec_cart *a, const ec_cart *b)
{
    const ec__str *sa[] = {&a->id,          &a->country,         &a->customer_group,
                           &a->channel,     &a->shipping_method, &a->region,
                           &a->postal_code, &a->tax_class,       &a->customer};
    const ec__str *sb[] = {&b->id,          &b->country,         &b->customer_group,
                           &b->channel,     &b->shipping_method, &b->region,
                           &b->postal_code, &b->tax_class,       &b->customer};
    if (a->currency != b->currency || a->has_at != b->has_at || a->at != b->at ||
        a->tax_exempt != b->tax_exempt || a->nlines != b->nlines || a->ncoupons != b->ncoupons)
        return 0;
    for (size_t i = 0; i < sizeof sa / sizeof sa[0]; i++)
        if (!same_str(sa[i], sb[i])) return 0;
    for (uint32_t i = 0; i < a->nlines; i++)
        if (!same_str(&a->lines[i].sku, &b->lines[i].sku) ||
            a->lines[i].quantity != b->lines[i].quantity)
            return 0;
    for (uint32_t i = 0; i < a->ncoupons; i++)
        if (!same_str(&a->coupons[i], &b->coupons[i])) return 0;
    return same_counts(&a->uses, &b->uses) && same_counts(&a->customer_uses, &b->customer_uses) &&
           same_counts(&a->coupon_uses, &b->coupon_uses) && same_counts(&a->spent, &b->spent);
}
