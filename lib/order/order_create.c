/* order_create.c - checkout: an order from a priced cart.
 *
 * The order copies what the customer agreed to pay, line by line, so that
 * every later step (a cancel, a return, a refund) is computed from those
 * amounts and never from the ruleset again: a rule change after checkout
 * cannot change what an order is worth. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "order/order_internal.h"

static ec_status copy_lines(ec_order *o, const ec_price_result *r, ec_error *err)
{
    for (size_t i = 0; i < ec_price_result_line_count(r); i++) {
        const char *sku = ec_price_result_line_sku(r, i);
        ec__oline l = {
            .quantity = ec_price_result_line_quantity(r, i),
            .unit_price = ec_price_result_line_unit_price(r, i),
            .subtotal = ec_price_result_line_subtotal(r, i),
            .discount = ec_price_result_line_discount(r, i),
            .net = ec_price_result_line_net(r, i),
            .tax = ec_price_result_line_tax(r, i),
            .total = ec_price_result_line_total(r, i),
        };
        EC_TRY(ec__order_push_line(o, sku, strlen(sku), &l, err));
    }
    return EC_OK;
}

/* The promotions that took something (a service counts their uses) and
 * the coupons that applied, as the cart spelt them. */
static ec_status copy_promotions(ec_order *o, const ec_price_result *r, ec_error *err)
{
    for (size_t k = 0; k < ec_price_result_promotion_count(r); k++) {
        int64_t amount = ec_price_result_promotion_amount(r, k);
        if (!ec_price_result_promotion_applied(r, k) || amount <= 0) continue;
        const char *id = ec_price_result_promotion_id(r, k);
        EC_TRY(ec__order_push_promo(o, id, strlen(id), amount, 0, err));
    }
    for (size_t k = 0; k < ec_price_result_coupon_count(r); k++) {
        if (strcmp(ec_price_result_coupon_status(r, k), "applied") != 0) continue;
        const char *code = ec_price_result_coupon_code(r, k);
        EC_TRY(ec__order_push_promo(o, code, strlen(code), 0, 1, err));
    }
    return EC_OK;
}

static ec_status fill(ec_order *o, const ec_price_result *r, const char *id,
                      const ec_order_machine *m, ec_error *err)
{
    EC_TRY(ec_order_set_id(o, id, err));
    const ec__oname *initial = &m->t.states[m->t.initial];
    memcpy(o->state, initial->p, initial->n + 1);
    o->state_len = initial->n;
    o->version = 1;
    o->currency = ec_currency_find(ec_price_result_currency(r), 3);
    o->created_at = ec_price_result_at(r);
    o->has_created_at = 1;
    o->include_tax = ec_price_result_prices_include_tax(r) ? 1 : 0;
    o->subtotal = ec_price_result_subtotal(r);
    o->discount = ec_price_result_discount(r);
    o->tax = ec_price_result_tax(r);
    o->m.total = ec_price_result_total(r);
    EC_TRY(copy_lines(o, r, err));
    if (ec_price_result_has_shipping(r)) {
        const char *method = ec_price_result_shipping_method(r);
        EC_TRY(ec__order_set_shipping(o, method, strlen(method), ec_price_result_shipping_total(r),
                                      ec_price_result_shipping_tax(r), 0, err));
    }
    return copy_promotions(o, r, err);
}

ec_status ec_order_create(ec_order *o, const ec_price_result *r, const char *id,
                          const ec_order_machine *m, ec_error *err)
{
    EC_FAIL_IF(!o || !r || !id, err, EC_MISUSE, NULL, "order, result and id are required");
    if (!m) m = &ec__order_default_machine;
    EC_FAIL_IF(!m->sealed, err, EC_MISUSE, NULL, "the machine is not sealed");
    ec_order_reset(o);
    EC_FAIL_IF(!ec_price_result_currency(r) || ec_price_result_line_count(r) == 0, err,
               EC_INVALID_FIELD, "result", "the result holds no priced cart");
    ec_status st = fill(o, r, id, m, err);
    if (st != EC_OK) ec_order_reset(o);
    return st;
}
