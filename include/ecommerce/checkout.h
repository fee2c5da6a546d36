/* checkout.h - checkout and order events together with their stock: what
 * a service runs inside one transaction, as one call each.
 *
 * Checkout: price a cart, make the order, and reserve and commit its
 * units.  An order event: apply it to the order and carry its stock
 * effects out on the order's reservation (units shipped leave, canceled
 * ones are released, returned ones come back where they shipped from),
 * all or nothing.  The order's reservation has the order's id.  The
 * payment effects (refund_payment, void_payment) are the caller's to pass
 * on to its payment provider.
 *
 * An ec_checkout holds the per-call scratch (a price result, an order, a
 * reservation request) and is reused from call to call: one per thread.
 * It is not thread-safe; the rulesets and machines it reads are shared
 * freely.  Times are microseconds since the Unix epoch. */
#ifndef EC_CHECKOUT_H
#define EC_CHECKOUT_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "cart.h"
#include "error.h"
#include "export.h"
#include "inventory.h"
#include "order.h"
#include "pricing.h"
#include "ruleset.h"

typedef struct ec_checkout ec_checkout;

EC_BEGIN_DECLS

/* A new checkout scratch; NULL when out of memory.  _ex uses `alloc`
 * (copied; NULL for libc) for everything it keeps.  Free with
 * ec_checkout_free() (NULL is ignored). */
EC_API ec_checkout *ec_checkout_new(void);
EC_API ec_checkout *ec_checkout_new_ex(const ec_allocator *alloc);
EC_API void ec_checkout_free(ec_checkout *checkout);

/* Price `cart` with `rules`, make order `order_id` of the result (in the
 * initial state of `machine`, NULL for the default; see ec_order_create())
 * and build the reservation request that will hold its units: id =
 * order_id, the cart's units summed per SKU in line order, made at `at_us`
 * for ttl_seconds (1 to EC_INVENTORY_MAX_TTL_SECONDS).  Pricing errors are
 * ec_price_cart()'s; EC_INVALID_FIELD ("id", "ttl_seconds"), EC_NO_MEMORY,
 * EC_MISUSE.  The order and the result stay in the checkout until its next
 * call; the result refers to the cart and the ruleset, which must outlive
 * its use. */
EC_API ec_status ec_checkout_prepare(ec_checkout *checkout, const ec_ruleset *rules,
                                     const ec_cart *cart, const char *order_id,
                                     const ec_order_machine *machine, int64_t at_us,
                                     int64_t ttl_seconds, ec_error *err);

/* What the last successful ec_checkout_prepare() made (NULL before). */
EC_API const ec_price_result *ec_checkout_result(const ec_checkout *checkout);
EC_API ec_order *ec_checkout_order(ec_checkout *checkout);
EC_API const ec_inventory_request *ec_checkout_reservation(const ec_checkout *checkout);

/* What the prepared checkout spends of its promotions' limits, for the
 * caller to count with the order, and to give back, the same, when the
 * order is canceled with nothing shipped (*uses_back of
 * ec_checkout_apply_event()).  For k < ec_checkout_use_count(), one per
 * applied promotion, in the result's order: promotion
 * ec_checkout_use_promotion() takes one use (usage_limit), one use by the
 * cart's customer when the cart names one (usage_limit_per_customer),
 * ec_checkout_use_spent() minor units of its budget in the cart's currency
 * (its line discounts), and one use of each coupon code it used
 * (code_usage_limit; j < ec_checkout_use_code_count(), as the cart spells
 * them; codes compare without regard to ASCII case).  The cart's counts
 * for the next checkout are the sums of these (ec_cart_set_promotion_uses()
 * and the other count setters).  0 / NULL before a successful prepare or
 * out of range; strings valid until the next prepare. */
EC_API size_t ec_checkout_use_count(const ec_checkout *checkout);
EC_API const char *ec_checkout_use_promotion(const ec_checkout *checkout, size_t k);
EC_API int64_t ec_checkout_use_spent(const ec_checkout *checkout, size_t k);
EC_API size_t ec_checkout_use_code_count(const ec_checkout *checkout, size_t k);
EC_API const char *ec_checkout_use_code(const ec_checkout *checkout, size_t k, size_t j);

/* Reserve the prepared order's units in `inv` and commit them to the
 * order, at the request's time.  EC_INSUFFICIENT_STOCK (the result, may be
 * NULL, carries the shortage) and the other errors of
 * ec_inventory_reserve() and ec_inventory_commit(); EC_MISUSE before a
 * successful prepare.  A refused reserve changes nothing; a commit, right
 * after the reserve, fails only for lack of memory, and then leaves the
 * new reservation released. */
EC_API ec_status ec_checkout_reserve(ec_checkout *checkout, ec_inventory *inv,
                                     ec_inventory_result *result, ec_error *err);

/* Apply `event` to `order` (ec_order_apply() with `machine`, NULL for the
 * default) and carry its stock effects out on the reservation named by the
 * order's id in `inv` (may be NULL for an event that moves no units, see
 * ec_order_event_moves_units(); EC_MISUSE when one does).  All or nothing: when the order or the
 * inventory refuses, neither changes (the inventory's refusal is returned as it came, e.g.
 * EC_NOT_FOUND "id" when the reservation is not in `inv`). `effects` (may be NULL) and *duplicate
 * as ec_order_apply(). *uses_back (may be NULL) is 1 when the event canceled every unit of an order
 * of which nothing had shipped: the uses its promotions counted at checkout are to be given back.
 */
EC_API ec_status ec_checkout_apply_event(ec_checkout *checkout, const ec_order_machine *machine,
                                         ec_order *order, const ec_order_event *event,
                                         ec_inventory *inv, ec_order_effects *effects,
                                         int32_t *duplicate, int32_t *uses_back, ec_error *err);

EC_END_DECLS

#endif /* EC_CHECKOUT_H */
