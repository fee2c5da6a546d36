/* ruleset.h - a compiled, immutable set of pricing rules.
 *
 * A ruleset (products, price lists, promotions, tax, shipping; docs/pricing.md)
 * is validated whole and compiled once into an indexed object: SKU hash,
 * promotion targets resolved per SKU, sku_pattern regexes compiled once,
 * coupon codes hashed, tax entries filed by jurisdiction.
 * After creation it is never modified, so any number of threads may price
 * carts against one ruleset at once without locks.  Rule changes build a new
 * ruleset; callers swap the pointer and free the old one when no call uses
 * it any more.
 *
 * Rulesets are created from their JSON document by ec_ruleset_from_json()
 * (json.h). */
#ifndef EC_RULESET_H
#define EC_RULESET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

typedef struct ec_ruleset ec_ruleset;

/* Limits enforced when a ruleset is loaded. */
#define EC_RULESET_MAX_PRODUCTS 10000000
#define EC_RULESET_MAX_PROMOTIONS 100000
#define EC_RULESET_MAX_PRICE_LISTS 10000

EC_BEGIN_DECLS

/* Release a ruleset and everything it owns.  NULL is ignored.  The caller
 * guarantees that no other thread still prices with it. */
EC_API void ec_ruleset_free(ec_ruleset *rules);

/* Counts of what the ruleset holds (0 for NULL).  Thread-safe. */
EC_API size_t ec_ruleset_product_count(const ec_ruleset *rules);
EC_API size_t ec_ruleset_price_list_count(const ec_ruleset *rules);
EC_API size_t ec_ruleset_promotion_count(const ec_ruleset *rules);

/* The default currency code ("EUR"); static storage.  NULL for NULL. */
EC_API const char *ec_ruleset_currency(const ec_ruleset *rules);

/* Promotion i, for i below ec_ruleset_promotion_count(), in no particular
 * order: its id (NUL-terminated, valid while the ruleset lives) into *id,
 * and its usage_limit into *usage_limit when it has one.  Returns 1 when
 * the promotion has a usage limit, 0 when it has none, -1 when i is out of
 * range (or rules is NULL).  A service keeping usage counts needs to know
 * which promotions are limited: only checkouts spending one of those must
 * wait for each other.  Thread-safe. */
EC_API int ec_ruleset_promotion_at(const ec_ruleset *rules, size_t i, const char **id,
                                   int64_t *usage_limit);

/* The other limits of promotion i (same numbering as
 * ec_ruleset_promotion_at()) that a service enforces with counts it keeps
 * and hands back to pricing in the cart (cart.h):
 *
 * - usage_limit_per_customer: uses by one customer
 *   (ec_cart_set_customer_promotion_uses()).  Returns 1 and sets *limit
 *   when the promotion has one, 0 when not, -1 when i is out of range.
 * - code_usage_limit: uses of each of its coupon codes
 *   (ec_cart_set_coupon_uses()); the same returns.
 * - budget: the money its line discounts may add up to, over all orders
 *   (ec_cart_set_promotion_spent()).  Returns 1 and sets *budget (minor
 *   units of `currency`, an ISO 4217 code) when it has a budget in that
 *   currency, 2 when it has a budget but not in that currency (carts in it
 *   never get the promotion), 0 when it has none, -1 when i is out of range.
 *
 * A service counts, for every applied promotion of a checkout
 * (ec_price_result_promotion_applied()), one use per promotion and
 * customer, one use of each code the promotion used
 * (ec_price_result_promotion_coupon()) and its line discounts as budget
 * spent (ec_price_result_promotion_line_discount()).  Thread-safe. */
EC_API int ec_ruleset_promotion_customer_limit(const ec_ruleset *rules, size_t i, int64_t *limit);
EC_API int ec_ruleset_promotion_code_limit(const ec_ruleset *rules, size_t i, int64_t *limit);
EC_API int ec_ruleset_promotion_budget(const ec_ruleset *rules, size_t i, const char *currency,
                                       int64_t *budget);

EC_END_DECLS

#endif /* EC_RULESET_H */
