/* pricing.h - price a cart against a ruleset (docs/pricing.md).
 *
 * ec_price_cart() computes unit prices (price lists, tiers, product
 * promotions), applies cart promotions in order with every reason (groups,
 * limits, budgets, reward sets), the best exclusive deal, coupons, shipping
 * and the tax of the cart's jurisdiction (named rates, compound rates,
 * exemptions), and stores the outcome in an ec_price_result.  The result object is also the
 * per-call scratch space: reuse it (one per thread) and pricing stops allocating once it has grown.
 *
 * Amounts are int64_t minor units of the cart's currency (exponent from
 * ec_price_result_exponent()); percents are millionths (money.h). */
#ifndef EC_PRICING_H
#define EC_PRICING_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "cart.h"
#include "error.h"
#include "export.h"
#include "ruleset.h"

typedef struct ec_price_result ec_price_result;

EC_BEGIN_DECLS

/* A new, empty result; NULL when out of memory.  Free with
 * ec_price_result_free() (NULL is ignored). */
EC_API ec_price_result *ec_price_result_new(void);
EC_API ec_price_result *ec_price_result_new_ex(const ec_allocator *alloc);
EC_API void ec_price_result_free(ec_price_result *result);

/* Price `cart` with `rules` into `result`.  On failure the result is empty
 * and err names the problem: EC_INVALID_FIELD (cart incomplete), EC_NO_PRICE,
 * EC_UNKNOWN_SHIPPING_METHOD, EC_SHIPPING_UNAVAILABLE, EC_NO_TAX_RATE,
 * EC_OVERFLOW, EC_NO_MEMORY, EC_MISUSE.  Thread-safe for distinct results
 * and carts sharing one ruleset.  The result refers to strings of `rules`
 * and `cart`: both must outlive its use. */
EC_API ec_status ec_price_cart(const ec_ruleset *rules, const ec_cart *cart,
                               ec_price_result *result, ec_error *err);

/* ---- whole cart --------------------------------------------------------- */
EC_API const char *ec_price_result_currency(const ec_price_result *r);
EC_API int32_t ec_price_result_exponent(const ec_price_result *r);
EC_API int64_t ec_price_result_subtotal(const ec_price_result *r);
EC_API int64_t ec_price_result_discount(const ec_price_result *r);
EC_API int64_t ec_price_result_tax(const ec_price_result *r);
EC_API int64_t ec_price_result_total(const ec_price_result *r);
/* The time the cart was priced at (its `at`) and whether the ruleset's
 * prices include tax: what an order made from this result records. */
EC_API int64_t ec_price_result_at(const ec_price_result *r);
EC_API int32_t ec_price_result_prices_include_tax(const ec_price_result *r);

/* The taxes summary: every rate of every line and of shipping, summed by
 * name and percent, in the order first seen (lines in order, then
 * shipping); none when the ruleset has no tax entries.  The amounts add up
 * to ec_price_result_tax().  For k < ec_price_result_taxes_count(): the
 * rate's name (valid while the ruleset lives), its percent (millionths)
 * and its amount. */
EC_API size_t ec_price_result_taxes_count(const ec_price_result *r);
EC_API const char *ec_price_result_taxes_name(const ec_price_result *r, size_t k);
EC_API int32_t ec_price_result_taxes_percent(const ec_price_result *r, size_t k);
EC_API int64_t ec_price_result_taxes_amount(const ec_price_result *r, size_t k);

/* ---- lines (i < ec_price_result_line_count) ----------------------------- */
EC_API size_t ec_price_result_line_count(const ec_price_result *r);
EC_API const char *ec_price_result_line_sku(const ec_price_result *r, size_t i);
EC_API int64_t ec_price_result_line_quantity(const ec_price_result *r, size_t i);
EC_API int64_t ec_price_result_line_list_price(const ec_price_result *r, size_t i);
EC_API int64_t ec_price_result_line_unit_price(const ec_price_result *r, size_t i);
/* Id of the price list / product promotion that set the price, or NULL. */
EC_API const char *ec_price_result_line_price_list(const ec_price_result *r, size_t i);
EC_API const char *ec_price_result_line_product_promotion(const ec_price_result *r, size_t i);
EC_API int64_t ec_price_result_line_subtotal(const ec_price_result *r, size_t i);
/* The cart promotions' discounts of the line. */
EC_API int64_t ec_price_result_line_discount(const ec_price_result *r, size_t i);
/* subtotal - discount; for a tax-exempt cart with prices that include tax,
 * less the tax the customer does not pay. */
EC_API int64_t ec_price_result_line_net(const ec_price_result *r, size_t i);
/* The sum of the line's rates' percents, in millionths. */
EC_API int32_t ec_price_result_line_tax_percent(const ec_price_result *r, size_t i);
EC_API int64_t ec_price_result_line_tax(const ec_price_result *r, size_t i);
EC_API int64_t ec_price_result_line_total(const ec_price_result *r, size_t i);
/* The line's rates (j < ec_price_result_line_taxes_count(), 0 when the
 * ruleset has no tax entries), in the order of its tax entry: name (valid
 * while the ruleset lives), percent (millionths) and amount; the amounts
 * add up to the line's tax (all 0 for a tax-exempt cart). */
EC_API size_t ec_price_result_line_taxes_count(const ec_price_result *r, size_t i);
EC_API const char *ec_price_result_line_taxes_name(const ec_price_result *r, size_t i, size_t j);
EC_API int32_t ec_price_result_line_taxes_percent(const ec_price_result *r, size_t i, size_t j);
EC_API int64_t ec_price_result_line_taxes_amount(const ec_price_result *r, size_t i, size_t j);
/* The cart promotions that took more than zero from line i, in order. */
EC_API size_t ec_price_result_line_discount_count(const ec_price_result *r, size_t i);
EC_API const char *ec_price_result_line_discount_promotion(const ec_price_result *r, size_t i,
                                                           size_t j);
EC_API int64_t ec_price_result_line_discount_amount(const ec_price_result *r, size_t i, size_t j);

/* ---- shipping (meaningful when has_shipping is 1) -----------------------
 * Its tax counts in the taxes summary; with shipping_tax "proportional" it
 * is the sum of its shares taxed with the lines' rates. */
EC_API int32_t ec_price_result_has_shipping(const ec_price_result *r);
EC_API const char *ec_price_result_shipping_method(const ec_price_result *r);
EC_API int64_t ec_price_result_shipping_price(const ec_price_result *r);
EC_API int64_t ec_price_result_shipping_discount(const ec_price_result *r);
EC_API int64_t ec_price_result_shipping_tax(const ec_price_result *r);
EC_API int64_t ec_price_result_shipping_total(const ec_price_result *r);

/* ---- cart promotions, in evaluation order ------------------------------- */
EC_API size_t ec_price_result_promotion_count(const ec_price_result *r);
EC_API const char *ec_price_result_promotion_id(const ec_price_result *r, size_t k);
EC_API int32_t ec_price_result_promotion_applied(const ec_price_result *r, size_t k);
/* Line discounts plus shipping discount; 0 when not applied. */
EC_API int64_t ec_price_result_promotion_amount(const ec_price_result *r, size_t k);
/* Its line discounts only (its amount less the shipping discount it
 * took): what a budget counts as spent.  0 when not applied. */
EC_API int64_t ec_price_result_promotion_line_discount(const ec_price_result *r, size_t k);
/* Why it did not apply ("coupon_missing", "not_best", "no_discount",
 * "budget_exhausted", ...), or NULL. */
EC_API const char *ec_price_result_promotion_reason(const ec_price_result *r, size_t k);
/* The cart's coupon codes (as the cart spells them, valid while the cart
 * is unchanged) that an applied promotion used: the first of its codes
 * that the cart presents and that is not used up.  Count 0 when it is not
 * applied or has no coupon; j < count.  A service counts one use of each
 * for code_usage_limit. */
EC_API size_t ec_price_result_promotion_coupon_count(const ec_price_result *r, size_t k);
EC_API const char *ec_price_result_promotion_coupon(const ec_price_result *r, size_t k, size_t j);

/* ---- coupons, each cart coupon once ------------------------------------- */
EC_API size_t ec_price_result_coupon_count(const ec_price_result *r);
EC_API const char *ec_price_result_coupon_code(const ec_price_result *r, size_t k);
/* "applied" (an applied promotion used it), "not_applicable" (a promotion
 * has it but none used it) or "unknown". */
EC_API const char *ec_price_result_coupon_status(const ec_price_result *r, size_t k);

EC_END_DECLS

#endif /* EC_PRICING_H */
