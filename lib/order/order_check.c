/* order_check.c - an order read back from a document, checked whole.
 *
 * Stored orders come back through the codec; a document edited by hand or
 * damaged in storage must not become an order whose parts do not add up,
 * since every later refund is computed from those parts.  The first field
 * at fault is named, in document order. */
#include "common/internal.h"
#include "money/checked.h"
#include "order/order_internal.h"

static ec_status line_fail(uint32_t i, const char *what, const char *msg, ec_error *err)
{
    ec__fail(err, EC_INVALID_FIELD, NULL, "%s", msg);
    ec__error_field(err, "lines[%u].%s", i, what);
    return EC_INVALID_FIELD;
}

static ec_status check_amounts(const ec_order *o, uint32_t i, ec_error *err)
{
    const ec__oline *l = &o->lines[i];
    int64_t subtotal = 0;
    if (ec__money_mul(l->unit_price, l->quantity, &subtotal) != EC_OK || subtotal != l->subtotal)
        return line_fail(i, "subtotal", "subtotal must be unit_price times quantity", err);
    if (l->discount > l->subtotal || l->net != l->subtotal - l->discount)
        return line_fail(i, "net", "net must be subtotal minus discount", err);
    if (o->include_tax && l->tax > l->net)
        return line_fail(i, "tax", "with prices that include tax, tax is part of net", err);
    int64_t total = l->net;
    if (!o->include_tax && ec__money_add(l->net, l->tax, &total) != EC_OK) total = -1;
    if (total != l->total)
        return line_fail(i, "total",
                         o->include_tax ? "total must equal net when prices include tax"
                                        : "total must be net plus tax",
                         err);
    return EC_OK;
}

static ec_status check_counters(const ec__oline *l, uint32_t i, ec_error *err)
{
    if (l->fulfilled > l->quantity)
        return line_fail(i, "fulfilled", "fulfilled must not exceed quantity", err);
    if (l->canceled > l->quantity - l->fulfilled)
        return line_fail(i, "canceled", "fulfilled plus canceled must not exceed quantity", err);
    if (l->returned > l->fulfilled)
        return line_fail(i, "returned", "returned must not exceed fulfilled", err);
    return EC_OK;
}

typedef struct sums {
    int64_t subtotal, discount, tax, total;
} sums;

static ec_status add_line(sums *s, const ec__oline *l)
{
    EC_TRY(ec__money_add(s->subtotal, l->subtotal, &s->subtotal));
    EC_TRY(ec__money_add(s->discount, l->discount, &s->discount));
    EC_TRY(ec__money_add(s->tax, l->tax, &s->tax));
    return ec__money_add(s->total, l->total, &s->total);
}

/* The order's totals are the sums of its lines (and shipping). */
static ec_status check_sums(const ec_order *o, ec_error *err)
{
    sums s = {0, 0, 0, 0};
    ec_status st = EC_OK;
    for (uint32_t i = 0; st == EC_OK && i < o->nlines; i++) st = add_line(&s, &o->lines[i]);
    if (st == EC_OK && o->has_shipping) st = ec__money_add(s.tax, o->ship_tax, &s.tax);
    if (st == EC_OK && o->has_shipping) st = ec__money_add(s.total, o->ship_total, &s.total);
    EC_FAIL_IF(st != EC_OK, err, EC_OVERFLOW, "total", "the order's amounts overflow");
    EC_FAIL_IF(s.subtotal != o->subtotal, err, EC_INVALID_FIELD, "subtotal",
               "subtotal must be the sum of the lines' subtotals");
    EC_FAIL_IF(s.discount != o->discount, err, EC_INVALID_FIELD, "discount",
               "discount must be the sum of the lines' discounts");
    EC_FAIL_IF(s.tax != o->tax, err, EC_INVALID_FIELD, "tax",
               "tax must be the sum of the lines' and the shipping's tax");
    EC_FAIL_IF(s.total != o->m.total, err, EC_INVALID_FIELD, "total",
               "total must be the sum of the lines' and the shipping's totals");
    return EC_OK;
}

ec_status ec__order_check(const ec_order *o, ec_error *err)
{
    for (uint32_t i = 0; i < o->nlines; i++) {
        EC_TRY(check_amounts(o, i, err));
        EC_TRY(check_counters(&o->lines[i], i, err));
    }
    EC_FAIL_IF(o->has_shipping && o->ship_tax > o->ship_total, err, EC_INVALID_FIELD,
               "shipping.tax", "the shipping's tax must not exceed its total");
    EC_TRY(check_sums(o, err));
    const ec__omoney *m = &o->m;
    EC_FAIL_IF(m->captured > m->authorized, err, EC_INVALID_FIELD, "payment.captured",
               "captured must not exceed authorized");
    EC_FAIL_IF(m->refunded > m->captured, err, EC_INVALID_FIELD, "payment.refunded",
               "refunded must not exceed captured");
    return EC_OK;
}
