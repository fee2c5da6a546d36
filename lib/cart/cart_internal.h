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

typedef struct ec__promotion_use {
    ec__str id;
    int64_t uses;
} ec__promotion_use;

struct ec_cart {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec__arena arena; /* strings; reset with the cart */

    int32_t currency; /* -1 until set */
    uint8_t has_at;
    int64_t at;
    ec__str id, country, customer_group, channel, shipping_method; /* p NULL: absent */

    ec__cart_line *lines;
    uint32_t nlines, lines_cap;
    ec__str *coupons;
    uint32_t ncoupons, coupons_cap;
    ec__promotion_use *uses;
    uint32_t nuses, uses_cap;
};

/* Length-taking setters for a reader that points into a document (the
 * bytes need not be NUL-terminated).  They refuse what the public setters
 * refuse but build no error: 0 means refused, and the reader then takes the
 * path that reports why.  dst is one of the cart's own identifier fields. */
int ec__cart_put_id(ec_cart *c, ec__str *dst, const char *s, size_t len);
int ec__cart_put_line(ec_cart *c, const char *sku, size_t len, int64_t quantity);
int ec__cart_put_coupon(ec_cart *c, const char *code, size_t len);
int ec__cart_put_uses(ec_cart *c, const char *id, size_t len, int64_t uses);

#endif /* EC_CART_INTERNAL_H */
