/* cart_internal.h - the cart's fields, read by pricing; private. */
#ifndef EC_CART_INTERNAL_H
#define EC_CART_INTERNAL_H

#include "common/arena.h"
#include "ecommerce/cart.h"
#include "ruleset/model.h"

typedef struct ec__cart_line {
    ec__str sku;
    int64_t quantity;
    uint64_t hash; /* ec__strhash(sku): a cart priced again hashes nothing */
} ec__cart_line;

/* One entry of a count map: a promotion id or coupon code -> a number
 * (uses, or money spent in minor units). */
typedef struct ec__count {
    ec__str key;
    int64_t value;
} ec__count;

/* promotion_uses, customer_promotion_uses, coupon_uses, promotion_spent:
 * small maps the service fills from its counters. */
typedef struct ec__counts {
    ec__count *e;
    uint32_t n, cap;
    uint8_t fold_case; /* keys are coupon codes: compared as ASCII without case */
} ec__counts;

struct ec_cart {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec__arena arena; /* strings; reset with the cart */

    int32_t currency; /* -1 until set */
    uint8_t has_at;
    uint8_t tax_exempt;
    int64_t at;
    /* p NULL: absent */
    ec__str id, country, customer_group, channel, shipping_method;
    ec__str region, postal_code, tax_class, customer;

    ec__cart_line *lines;
    uint32_t nlines, lines_cap;
    ec__str *coupons;
    uint32_t ncoupons, coupons_cap;
    ec__counts uses;          /* promotion_uses */
    ec__counts customer_uses; /* customer_promotion_uses */
    ec__counts coupon_uses;   /* coupon_uses */
    ec__counts spent;         /* promotion_spent, minor units of the cart's currency */
};

/* The value for key in a count map, 0 when absent. */
int64_t ec__counts_get(const ec__counts *m, const char *key, size_t len);

/* Length-taking setters for a reader that points into a document (the
 * bytes need not be NUL-terminated).  They refuse what the public setters
 * refuse but build no error: 0 means refused, and the reader then takes the
 * path that reports why.  dst is one of the cart's own identifier fields. */
int ec__cart_put_id(ec_cart *c, ec__str *dst, const char *s, size_t len);
int ec__cart_put_line(ec_cart *c, const char *sku, size_t len, int64_t quantity);
int ec__cart_put_coupon(ec_cart *c, const char *code, size_t len);
int ec__cart_put_count(ec_cart *c, ec__counts *m, const char *key, size_t len, int64_t value);

/* 1 when two carts hold the same fields, lines, coupons and counts. */
int ec__cart_equal(const ec_cart *a, const ec_cart *b);

#endif /* EC_CART_INTERNAL_H */
