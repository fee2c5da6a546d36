/* order_money.c - what units are worth when they leave an order, and the
 * balance, dues and statuses derived from the recorded money.
 *
 * The value rule: of a line whose total is T for q units, the first n
 * units that leave are worth floor(T*n/q).  Units that leave in steps take
 * differences of that function, so whatever the steps, the parts of a line
 * add up to T exactly and no step is worth more than its share rounded
 * down.  Nothing here is stored: every figure is computed from the
 * counters and the recorded payment, so no two fields can disagree. */
#include "money/checked.h"
#include "order/order_internal.h"

/* floor(a*n/q) for 0 <= n <= q and a >= 0: never overflows (the result is
 * at most a), so the status is always EC_OK. */
static int64_t share(int64_t a, int64_t n, int64_t q)
{
    int64_t out = 0;
    if (q <= 0 || n <= 0) return 0;
    if (n >= q) return a;
    (void)ec__money_muldiv(a, n, q, EC_ROUND_FLOOR, &out);
    return out;
}

int64_t ec__oline_value(const ec__oline *l, int64_t n)
{
    return share(l->total, n, l->quantity);
}

/* The most r returned units of a line can have been worth, whatever the
 * steps they left in: a difference floor(T*(a+r)/q) - floor(T*a/q) is at
 * most ceil(T*r/q), and never more than what left in all. */
int64_t ec__oline_returned_cap(const ec__oline *l)
{
    int64_t r = l->returned, cap = 0, left = ec__oline_value(l, l->canceled + r);
    if (r <= 0 || l->quantity <= 0) return 0;
    (void)ec__money_muldiv(l->total, r, l->quantity, EC_ROUND_CEILING, &cap);
    return cap < left ? cap : left;
}

int64_t ec__oline_tax_value(const ec__oline *l, int64_t n)
{
    return share(l->tax, n, l->quantity);
}

/* Every sum below stays within [0, total] (the invariants of an order,
 * which creation and the codec check), so none can overflow. */
int64_t ec__omoney_balance(const ec__omoney *m)
{
    return m->total - m->left + m->fees;
}

int64_t ec__omoney_paid(const ec__omoney *m)
{
    return m->captured - m->refunded;
}

int64_t ec__omoney_due(const ec__omoney *m)
{
    int64_t d = ec__omoney_balance(m) - ec__omoney_paid(m);
    return d > 0 ? d : 0;
}

int64_t ec__omoney_refund_due(const ec__omoney *m)
{
    int64_t d = ec__omoney_paid(m) - ec__omoney_balance(m);
    return d > 0 ? d : 0;
}

int64_t ec__omoney_open(const ec__omoney *m)
{
    return m->authorized - m->captured;
}

int64_t ec__omoney_excess(const ec__omoney *m)
{
    int64_t x = ec__omoney_open(m) - ec__omoney_due(m);
    return x > 0 ? x : 0;
}

int32_t ec__omoney_status(const ec__omoney *m)
{
    int64_t paid = ec__omoney_paid(m);
    if (ec__omoney_refund_due(m) > 0) return EC_ORDER_PAYMENT_REFUND_DUE;
    if (m->captured > 0 && ec__omoney_balance(m) == 0 && paid == 0)
        return EC_ORDER_PAYMENT_REFUNDED;
    if (m->captured > 0 && ec__omoney_due(m) == 0) return EC_ORDER_PAYMENT_PAID;
    if (paid > 0) return EC_ORDER_PAYMENT_PARTIALLY_PAID;
    if (ec__omoney_open(m) > 0) return EC_ORDER_PAYMENT_AUTHORIZED;
    return EC_ORDER_PAYMENT_UNPAID;
}

int32_t ec__order_fulfillment_of(const ec_order *o, const int64_t *delta, int kind)
{
    int64_t units = 0, fulfilled = 0, canceled = 0;
    for (uint32_t i = 0; i < o->nlines; i++) {
        const ec__oline *l = &o->lines[i];
        int64_t d = delta ? delta[i] : 0;
        units += l->quantity;
        fulfilled += l->fulfilled + (kind == EC__OKIND_FULFILL ? d : 0);
        canceled += l->canceled + (kind == EC__OKIND_CANCEL || kind == EC__OKIND_EXPIRE ? d : 0);
    }
    if (canceled == units) return EC_ORDER_FULFILLMENT_CANCELED;
    if (fulfilled > 0 && fulfilled + canceled == units) return EC_ORDER_FULFILLMENT_FULFILLED;
    if (fulfilled > 0) return EC_ORDER_FULFILLMENT_PARTIALLY_FULFILLED;
    return EC_ORDER_FULFILLMENT_UNFULFILLED;
}
