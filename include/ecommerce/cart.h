/* cart.h - a shopping cart to be priced: context and lines.
 *
 * A cart holds copies of everything set on it (in an arena owned by the
 * cart), so the caller's strings may be freed after each call.  Reuse one
 * cart with ec_cart_reset() to price many carts without allocating.  A cart
 * is not thread-safe; use one per thread.
 *
 * Every setter validates its argument (identifiers: 1..128 bytes of UTF-8
 * without control characters) and returns EC_INVALID_FIELD, EC_MISUSE,
 * EC_LIMIT_EXCEEDED or EC_NO_MEMORY with err's field naming the JSON field
 * ("lines[2].quantity"). */
#ifndef EC_CART_H
#define EC_CART_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "export.h"

typedef struct ec_cart ec_cart;

#define EC_CART_MAX_LINES 1000
#define EC_CART_MAX_QUANTITY 1000000
#define EC_CART_MAX_COUPONS 100
/* Entries of each count map of a cart (promotion_uses,
 * customer_promotion_uses, coupon_uses, promotion_spent); setting one is
 * linear in it. */
#define EC_CART_MAX_PROMOTION_USES 10000

EC_BEGIN_DECLS

/* A new empty cart; NULL when out of memory.  _ex uses `alloc` (copied;
 * NULL for libc) for every allocation the cart makes.  Free with
 * ec_cart_free(). */
EC_API ec_cart *ec_cart_new(void);
EC_API ec_cart *ec_cart_new_ex(const ec_allocator *alloc);
EC_API void ec_cart_free(ec_cart *cart);

/* Forget every field and line, keeping the memory for the next cart. */
EC_API void ec_cart_reset(ec_cart *cart);

/* Required: the ISO 4217 code (EC_UNKNOWN_CURRENCY when not in the table)
 * and the pricing instant in microseconds since the Unix epoch. */
EC_API ec_status ec_cart_set_currency(ec_cart *cart, const char *code, ec_error *err);
EC_API ec_status ec_cart_set_at(ec_cart *cart, int64_t at_us, ec_error *err);

/* Optional context; NULL clears the field. */
EC_API ec_status ec_cart_set_id(ec_cart *cart, const char *id, ec_error *err);
EC_API ec_status ec_cart_set_country(ec_cart *cart, const char *country, ec_error *err);
EC_API ec_status ec_cart_set_customer_group(ec_cart *cart, const char *group, ec_error *err);
EC_API ec_status ec_cart_set_channel(ec_cart *cart, const char *channel, ec_error *err);
EC_API ec_status ec_cart_set_shipping_method(ec_cart *cart, const char *method, ec_error *err);

/* Where the cart is taxed, and as whom (docs/pricing.md, "Tax by
 * jurisdiction"); NULL clears the field.
 * - region: an ISO 3166-2 subdivision ("US-CA", "CA-QC"), matched against
 *   tax entries' region;
 * - postal_code: matched against tax entries' postal prefixes, both
 *   compared without spaces and with ASCII letters upper-cased;
 * - tax_class: the customer's tax class ("b2b_reverse_charge"), matched
 *   against tax entries' tax_classes;
 * - customer: the customer's id.  Pricing does not read it; a service
 *   keeps per-customer promotion uses under it
 *   (ec_cart_set_customer_promotion_uses()). */
EC_API ec_status ec_cart_set_region(ec_cart *cart, const char *region, ec_error *err);
EC_API ec_status ec_cart_set_postal_code(ec_cart *cart, const char *postal_code, ec_error *err);
EC_API ec_status ec_cart_set_tax_class(ec_cart *cart, const char *tax_class, ec_error *err);
EC_API ec_status ec_cart_set_customer(ec_cart *cart, const char *customer, ec_error *err);

/* 1: the customer is exempt from tax (every rate's amount is 0; with
 * prices that include tax, the customer pays them without it); 0: not
 * (the default).  Anything else is EC_INVALID_FIELD. */
EC_API ec_status ec_cart_set_tax_exempt(ec_cart *cart, int32_t exempt, ec_error *err);

/* Append a line (1 to EC_CART_MAX_LINES lines; quantity 1 to
 * EC_CART_MAX_QUANTITY).  Two lines with the same SKU stay separate. */
EC_API ec_status ec_cart_add_line(ec_cart *cart, const char *sku, int64_t quantity, ec_error *err);

/* Add a coupon code (compared case-insensitively, ASCII). */
EC_API ec_status ec_cart_add_coupon(ec_cart *cart, const char *code, ec_error *err);

/* Counts a service keeps and hands to pricing (docs/pricing.md,
 * "Limits and budgets").  Each sets one entry of a map; setting a key again
 * replaces its value.  A key absent from its map counts 0.  Values must be
 * >= 0 (EC_INVALID_FIELD, field "<map>.<key>"); more than
 * EC_CART_MAX_PROMOTION_USES keys in one map is EC_LIMIT_EXCEEDED.
 * - promotion_uses: uses of a promotion (by id) by every customer, for
 *   usage_limit;
 * - customer_promotion_uses: uses of a promotion by this cart's customer,
 *   for usage_limit_per_customer;
 * - coupon_uses: uses of a coupon code (compared case-insensitively,
 *   ASCII), for code_usage_limit;
 * - promotion_spent: what a promotion has given so far, in minor units of
 *   the cart's currency, for its budget. */
EC_API ec_status ec_cart_set_promotion_uses(ec_cart *cart, const char *promotion_id, int64_t uses,
                                            ec_error *err);
EC_API ec_status ec_cart_set_customer_promotion_uses(ec_cart *cart, const char *promotion_id,
                                                     int64_t uses, ec_error *err);
EC_API ec_status ec_cart_set_coupon_uses(ec_cart *cart, const char *code, int64_t uses,
                                         ec_error *err);
EC_API ec_status ec_cart_set_promotion_spent(ec_cart *cart, const char *promotion_id,
                                             int64_t amount, ec_error *err);

/* Read back (NULL / 0 when absent or out of range). */
EC_API size_t ec_cart_line_count(const ec_cart *cart);
EC_API const char *ec_cart_line_sku(const ec_cart *cart, size_t i);
EC_API int64_t ec_cart_line_quantity(const ec_cart *cart, size_t i);
EC_API const char *ec_cart_currency(const ec_cart *cart);
EC_API const char *ec_cart_id(const ec_cart *cart);
EC_API const char *ec_cart_customer(const ec_cart *cart);
EC_API const char *ec_cart_region(const ec_cart *cart);
EC_API const char *ec_cart_postal_code(const ec_cart *cart);
EC_API const char *ec_cart_tax_class(const ec_cart *cart);
EC_API int32_t ec_cart_tax_exempt(const ec_cart *cart);

EC_END_DECLS

#endif /* EC_CART_H */
