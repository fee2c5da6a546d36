/* reprice.h - the effective price of one catalog item in one selling
 * context, without building a cart (batch repricing, cli.md `ecom reprice`).
 *
 * This is a cart's unit price (price lists, tiers for quantity 1, the one
 * best product promotion) plus the tax that a shopper in the context's
 * place (country, and optionally region, postal code and tax class) sees.  Cart promotions, coupons
 * and shipping play no part.  For every item the answer equals the first line of ec_price_cart()
 * for a cart holding one unit of the item's SKU, priced against the ruleset with the item merged
 * into its products: list_price, unit_price, price_list, product_promotion, tax_percent, and
 * display_price = the line's total when no cart promotion applies.
 *
 * Four objects:
 * - ec_repricer: built once per ruleset, immutable, shared by threads.  It
 *   adds to the ruleset's SKU index what items the ruleset does not know
 *   need: product promotions by SKU, by category and by pattern.
 * - ec_reprice_context: one selling context (currency, country, customer
 *   group, channel, instant), compiled once, immutable, shared by threads.
 * - ec_reprice_item: one catalog row (SKU and the fields that override the
 *   ruleset's product).  Per thread; reset and refill it for every row.
 * - ec_reprice_result: the outcome, and per-call scratch.  Per thread.
 *
 * Items override the ruleset's product field by field: a price (in the
 * item's currency, default the ruleset's) replaces the product's price in
 * that currency only; categories and tax_category replace the product's.
 * A SKU the ruleset does not know is priced as a new product made of the
 * item's fields.
 *
 * Amounts are int64_t minor units; percents are millionths (money.h). */
#ifndef EC_REPRICE_H
#define EC_REPRICE_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "export.h"
#include "ruleset.h"

typedef struct ec_repricer ec_repricer;
typedef struct ec_reprice_context ec_reprice_context;
typedef struct ec_reprice_item ec_reprice_item;
typedef struct ec_reprice_result ec_reprice_result;

/* Categories one item may carry; more is EC_LIMIT_EXCEEDED. */
#define EC_REPRICE_MAX_CATEGORIES 1000

EC_BEGIN_DECLS

/* ---- repricer: per ruleset ------------------------------------------------ */

/* Build the repricer of a compiled ruleset; NULL when out of memory or when
 * rules is NULL.  The repricer reads the ruleset and refers to its strings:
 * the ruleset must outlive it.  _ex uses `alloc` (copied; NULL for libc)
 * for everything the repricer and its contexts allocate.  Thread-safe once
 * built: any number of threads may price with it at once. */
EC_API ec_repricer *ec_repricer_new(const ec_ruleset *rules);
EC_API ec_repricer *ec_repricer_new_ex(const ec_ruleset *rules, const ec_allocator *alloc);

/* Release a repricer.  NULL is ignored.  Free its contexts first. */
EC_API void ec_repricer_free(ec_repricer *repricer);

/* ---- selling contexts ------------------------------------------------------ */

/* Compile a selling context.  currency is an ISO 4217 code, or NULL for
 * "the item's currency, else the ruleset's"; country, customer_group and
 * channel are identifiers or NULL when absent (then, as for a cart, rules
 * restricted to a list of them do not match and tax uses the "*" rate);
 * at_us is the pricing instant in microseconds since the Unix epoch.
 * On success *out owns a new context (free with ec_reprice_context_free());
 * on failure *out is NULL and the status is EC_UNKNOWN_CURRENCY (field
 * "currency"), EC_INVALID_FIELD (field "country", "customer_group" or
 * "channel"), EC_NO_MEMORY or EC_MISUSE.  Strings are not kept.  The
 * context uses the repricer's allocator and must not outlive it.
 * Immutable: threads share it without locks. */
EC_API ec_status ec_reprice_context_new(const ec_repricer *repricer, const char *currency,
                                        const char *country, const char *customer_group,
                                        const char *channel, int64_t at_us,
                                        ec_reprice_context **out, ec_error *err);

/* The same with the tax jurisdiction of the context's shoppers: region
 * (ISO 3166-2, "US-CA"), postal_code and tax_class (identifiers, or NULL
 * when absent), matched against the tax entries as a cart's are, so that
 * display prices carry the tax of that place (named and compound rates
 * included).  A bad value is EC_INVALID_FIELD with field "region",
 * "postal_code" or "tax_class". */
EC_API ec_status ec_reprice_context_new_v2(const ec_repricer *repricer, const char *currency,
                                           const char *country, const char *customer_group,
                                           const char *channel, const char *region,
                                           const char *postal_code, const char *tax_class,
                                           int64_t at_us, ec_reprice_context **out, ec_error *err);
EC_API void ec_reprice_context_free(ec_reprice_context *context);

/* ---- items ------------------------------------------------------------------- */

/* A new, empty item; NULL when out of memory.  Not thread-safe: one per
 * thread.  Free with ec_reprice_item_free() (NULL is ignored). */
EC_API ec_reprice_item *ec_reprice_item_new(void);
EC_API ec_reprice_item *ec_reprice_item_new_ex(const ec_allocator *alloc);
EC_API void ec_reprice_item_free(ec_reprice_item *item);

/* Forget every field, keeping the memory for the next item. */
EC_API void ec_reprice_item_reset(ec_reprice_item *item);

/* The setters take (pointer, length) UTF-8 strings, need no NUL, and do
 * not copy: the item BORROWS the bytes, which must stay valid and
 * unchanged until the item is reset or freed (a batch reader points into
 * its input buffer; copying every field would cost more than pricing).
 * Each validates its value and returns EC_OK, EC_INVALID_FIELD,
 * EC_UNKNOWN_CURRENCY, EC_LIMIT_EXCEEDED, EC_NO_MEMORY or EC_MISUSE, with
 * err's field naming the column ("sku", "categories[2]").  Setting a field
 * twice keeps the last value. */

/* Required: the SKU, an identifier (1..128 bytes, no control characters). */
EC_API ec_status ec_reprice_item_set_sku(ec_reprice_item *item, const char *sku, size_t len,
                                         ec_error *err);
/* The currency of price and current_price (default: the ruleset's). */
EC_API ec_status ec_reprice_item_set_currency(ec_reprice_item *item, const char *code, size_t len,
                                              ec_error *err);
/* A money string ("59.90"), checked against the currency's exponent when
 * the item is priced. */
EC_API ec_status ec_reprice_item_set_price(ec_reprice_item *item, const char *amount, size_t len,
                                           ec_error *err);
/* The price published today, a money string: the result's `changed`
 * compares with it. */
EC_API ec_status ec_reprice_item_set_current_price(ec_reprice_item *item, const char *amount,
                                                   size_t len, ec_error *err);
/* Replace the product's categories: the first call starts an empty list
 * and each call adds one identifier (at most EC_REPRICE_MAX_CATEGORIES).
 * ec_reprice_item_clear_categories() gives the item no category at all. */
EC_API ec_status ec_reprice_item_add_category(ec_reprice_item *item, const char *category,
                                              size_t len, ec_error *err);
EC_API ec_status ec_reprice_item_clear_categories(ec_reprice_item *item, ec_error *err);
/* Replace the product's tax category (an identifier). */
EC_API ec_status ec_reprice_item_set_tax_category(ec_reprice_item *item, const char *category,
                                                  size_t len, ec_error *err);

/* ---- results ------------------------------------------------------------------ */

/* A new, empty result; NULL when out of memory.  Not thread-safe: one per
 * thread; reuse it, pricing then never allocates.  Free with
 * ec_reprice_result_free() (NULL is ignored). */
EC_API ec_reprice_result *ec_reprice_result_new(void);
EC_API ec_reprice_result *ec_reprice_result_new_ex(const ec_allocator *alloc);
EC_API void ec_reprice_result_free(ec_reprice_result *result);

/* Price `item` in `context` into `result`.  Statuses, with err's field:
 * EC_INVALID_FIELD ("sku" missing; "price" or "current_price" malformed or
 * with too many decimals), EC_OVERFLOW ("price", "current_price"),
 * EC_NO_PRICE ("sku": no price list, product or item price in the
 * context's currency), EC_NO_TAX_RATE ("tax_category": the ruleset has tax
 * rates but none for the category in the country or "*"), EC_MISUSE (a
 * NULL argument, or a context of another repricer).  On failure the result
 * is empty.  Thread-safe for distinct items and results sharing one
 * repricer and context.  The result refers to strings of the ruleset. */
EC_API ec_status ec_repricer_price(const ec_repricer *repricer, const ec_reprice_context *context,
                                   const ec_reprice_item *item, ec_reprice_result *result,
                                   ec_error *err);

/* Read a result; an empty result gives NULL / -1 / 0. */
/* The context's currency code (static storage) and its exponent. */
EC_API const char *ec_reprice_result_currency(const ec_reprice_result *result);
EC_API int32_t ec_reprice_result_exponent(const ec_reprice_result *result);
/* Price before the product promotion: the winning price list's, else the
 * item's or the product's price in the currency. */
EC_API int64_t ec_reprice_result_list_price(const ec_reprice_result *result);
/* The effective unit price, in the ruleset's tax convention. */
EC_API int64_t ec_reprice_result_price(const ec_reprice_result *result);
/* Ids (NUL-terminated, owned by the ruleset) of the price list and the
 * product promotion that set the price, or NULL. */
EC_API const char *ec_reprice_result_price_list(const ec_reprice_result *result);
EC_API const char *ec_reprice_result_promotion(const ec_reprice_result *result);
/* The sum of the place's rates for the item, in millionths (0 when the
 * ruleset has no tax entries). */
EC_API int32_t ec_reprice_result_tax_percent(const ec_reprice_result *result);
/* price plus its tax (every rate of the place, each rounded as a cart's
 * line of one unit is) when prices exclude tax, else price: what a shopper
 * in the context's place pays for one unit. */
EC_API int64_t ec_reprice_result_display_price(const ec_reprice_result *result);
/* 1 when price differs from the item's current_price, 0 when equal, -1
 * when the item has no current_price or it is in another currency than
 * the context's. */
EC_API int32_t ec_reprice_result_changed(const ec_reprice_result *result);

EC_END_DECLS

#endif /* EC_REPRICE_H */
