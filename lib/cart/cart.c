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
    return c;
}

void ec_cart_free(ec_cart *c)
{
    if (!c) return;
    ec__arena_free(&c->arena);
    ec__dealloc(c->alloc, c->lines);
    ec__dealloc(c->alloc, c->coupons);
    ec__dealloc(c->alloc, c->uses);
    ec_allocator copy = c->alloc_copy;
    ec__dealloc(c->alloc ? &copy : NULL, c);
}

void ec_cart_reset(ec_cart *c)
{
    if (!c) return;
    ec__arena_reset(&c->arena);
    c->currency = -1;
    c->has_at = 0;
    c->at = 0;
    memset(&c->id, 0, sizeof c->id);
    c->country = c->customer_group = c->channel = c->shipping_method = c->id;
    c->nlines = c->ncoupons = c->nuses = 0;
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

/* The count for one promotion id; a repeated id replaces its count. */
static ec_status put_uses(ec_cart *c, const char *id, size_t len, int64_t uses, const char *field,
                          ec_error *err)
{
    for (uint32_t i = 0; i < c->nuses; i++) {
        if (c->uses[i].id.n == len && memcmp(c->uses[i].id.p, id, len) == 0) {
            c->uses[i].uses = uses;
            return EC_OK;
        }
    }
    EC_FAIL_IF(c->nuses >= EC_CART_MAX_PROMOTION_USES, err, EC_LIMIT_EXCEEDED, field,
               "too many promotion_uses entries");
    EC_FAIL_IF(!reserve(c, (void **)&c->uses, &c->uses_cap, c->nuses + 1, sizeof *c->uses), err,
               EC_NO_MEMORY, field, NULL);
    EC_TRY(copy_idn(c, &c->uses[c->nuses].id, id, len, field, err));
    c->uses[c->nuses++].uses = uses;
    return EC_OK;
}

ec_status ec_cart_set_promotion_uses(ec_cart *c, const char *promotion_id, int64_t uses,
                                     ec_error *err)
{
    EC_FAIL_IF(!c || !promotion_id, err, EC_MISUSE, "promotion_uses", "cart or id is NULL");
    char field[160];
    snprintf(field, sizeof field, "promotion_uses.%.128s", promotion_id);
    EC_FAIL_IF(uses < 0, err, EC_INVALID_FIELD, field, "uses must be a non-negative integer");
    return put_uses(c, promotion_id, strlen(promotion_id), uses, field, err);
}

int ec__cart_put_uses(ec_cart *c, const char *id, size_t len, int64_t uses)
{
    return uses >= 0 && put_uses(c, id, len, uses, NULL, NULL) == EC_OK;
}

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
