/* order_read.c - read accessors of an order: out-of-range reads give
 * 0 / NULL, never a crash. */
#include "ecommerce/money.h"
#include "order/order_internal.h"

const char *ec_order_id(const ec_order *o)
{
    return o && o->id_len ? o->id : NULL;
}

const char *ec_order_state(const ec_order *o)
{
    return o && o->state_len ? o->state : NULL;
}

const char *ec_order_currency(const ec_order *o)
{
    return o && o->currency >= 0 ? ec_currency_code(o->currency) : NULL;
}

int32_t ec_order_exponent(const ec_order *o)
{
    return o && o->currency >= 0 ? ec_currency_exponent(o->currency) : -1;
}

#define FIELD(type, name, expr)                                                                    \
    type ec_order_##name(const ec_order *o)                                                        \
    {                                                                                              \
        return o ? (type)(expr) : 0;                                                               \
    }

FIELD(int64_t, version, o->version)
FIELD(int64_t, created_at, o->created_at)
FIELD(int32_t, prices_include_tax, o->include_tax)
FIELD(int64_t, subtotal, o->subtotal)
FIELD(int64_t, discount, o->discount)
FIELD(int64_t, tax, o->tax)
FIELD(int64_t, total, o->m.total)
FIELD(size_t, line_count, o->nlines)
FIELD(int32_t, has_shipping, o->has_shipping)
FIELD(int64_t, shipping_total, o->ship_total)
FIELD(int64_t, shipping_tax, o->ship_tax)
FIELD(int32_t, shipping_returned, o->shipping_left)
FIELD(size_t, promotion_count, o->npromos)
FIELD(size_t, coupon_count, o->ncoupons)
FIELD(int64_t, payment_authorized, o->m.authorized)
FIELD(int64_t, payment_captured, o->m.captured)
FIELD(int64_t, payment_refunded, o->m.refunded)
FIELD(int64_t, fees, o->m.fees)
FIELD(int64_t, balance, ec__omoney_balance(&o->m))
FIELD(int64_t, amount_due, ec__omoney_due(&o->m))
FIELD(int64_t, refund_due, ec__omoney_refund_due(&o->m))
FIELD(int32_t, payment_status, ec__omoney_status(&o->m))
FIELD(int32_t, fulfillment, ec__order_fulfillment_of(o, NULL, EC__OKIND_OTHER))
FIELD(size_t, history_count, o->nhist)
#undef FIELD

const char *ec_order_shipping_method(const ec_order *o)
{
    return o && o->has_shipping ? ec__order_str(o, o->ship_off) : NULL;
}

/* ---- lines ------------------------------------------------------------------------ */

static const ec__oline *line_at(const ec_order *o, size_t i)
{
    return o && i < o->nlines ? &o->lines[i] : NULL;
}

const char *ec_order_line_sku(const ec_order *o, size_t i)
{
    return line_at(o, i) ? ec__order_sku(o, (uint32_t)i) : NULL;
}

#define LINE_FIELD(name, expr)                                                                     \
    int64_t ec_order_line_##name(const ec_order *o, size_t i)                                      \
    {                                                                                              \
        const ec__oline *l = line_at(o, i);                                                        \
        return l ? (expr) : 0;                                                                     \
    }

LINE_FIELD(quantity, l->quantity)
LINE_FIELD(unit_price, l->unit_price)
LINE_FIELD(subtotal, l->subtotal)
LINE_FIELD(discount, l->discount)
LINE_FIELD(net, l->net)
LINE_FIELD(tax, l->tax)
LINE_FIELD(total, l->total)
LINE_FIELD(fulfilled, l->fulfilled)
LINE_FIELD(canceled, l->canceled)
LINE_FIELD(returned, l->returned)
LINE_FIELD(left_value, ec__oline_value(l, l->canceled + l->returned))
LINE_FIELD(left_tax, ec__oline_tax_value(l, l->canceled + l->returned))
#undef LINE_FIELD

/* ---- promotions and coupons --------------------------------------------------------- */

const char *ec_order_promotion_id(const ec_order *o, size_t i)
{
    return o && i < o->npromos ? ec__order_str(o, o->promos[i].off) : NULL;
}

int64_t ec_order_promotion_amount(const ec_order *o, size_t i)
{
    return o && i < o->npromos ? o->promos[i].amount : 0;
}

const char *ec_order_coupon(const ec_order *o, size_t i)
{
    return o && i < o->ncoupons ? ec__order_str(o, o->promos[o->npromos + i].off) : NULL;
}

/* ---- history ------------------------------------------------------------------------ */

static const char *hist_str(const ec_order *o, size_t i, int which)
{
    return o && i < o->nhist ? ec__order_hist_str(o, i, which) : NULL;
}

const char *ec_order_history_event_id(const ec_order *o, size_t i)
{
    return hist_str(o, i, 0);
}

const char *ec_order_history_event(const ec_order *o, size_t i)
{
    return hist_str(o, i, 1);
}

const char *ec_order_history_from(const ec_order *o, size_t i)
{
    return hist_str(o, i, 2);
}

const char *ec_order_history_to(const ec_order *o, size_t i)
{
    return hist_str(o, i, 3);
}

int64_t ec_order_history_at(const ec_order *o, size_t i)
{
    return o && i < o->nhist ? o->hist[i].at : 0;
}
