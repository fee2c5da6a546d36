/* ecommerce.h - libecommerce: exact, deterministic commerce logic.
 *
 * Prices carts (price lists, tiers, promotions, coupons, tax, shipping) from
 * compiled rulesets.  Pure logic: no I/O, clock, randomness, threads or
 * mutable global state; time and identifiers are parameters.  Money is
 * int64_t minor units with checked arithmetic and explicit rounding.
 *
 * Include this header, or only the module headers you use. */
#ifndef ECOMMERCE_H
#define ECOMMERCE_H

#include "ecommerce/export.h"
#include "ecommerce/version.h"
#include "ecommerce/error.h"
#include "ecommerce/alloc.h"
#include "ecommerce/money.h"
#include "ecommerce/ruleset.h"
#include "ecommerce/cart.h"
#include "ecommerce/pricing.h"
#include "ecommerce/order.h"
#include "ecommerce/reprice.h"
#include "ecommerce/inventory.h"
#include "ecommerce/checkout.h"
#include "ecommerce/escrow.h"
#include "ecommerce/json.h"

#endif /* ECOMMERCE_H */
