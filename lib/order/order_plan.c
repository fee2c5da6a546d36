/* order_plan.c - the rules of each event: which fields it takes, which
 * units it moves and what they are worth, and how it moves the money.
 *
 * Everything is planned on the plan's copy of the money and the order's
 * scratch array of units, so that a refusal leaves the order untouched.
 * The rules are the library's in every machine: a machine only says when
 * an event is allowed. */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "order/order_plan.h"

/* "12.34" in the order's currency, for messages. */
static const char *money_text(const ec__oplan *p, int64_t minor, char *buf, size_t cap)
{
    if (ec_money_format(minor, ec_currency_exponent(p->o->currency), buf, cap, NULL) != EC_OK)
        snprintf(buf, cap, "%lld", (long long)minor);
    return buf;
}

/* ---- which fields a kind takes ----------------------------------------------------- */

static int takes_lines(int kind)
{
    return kind == EC__OKIND_FULFILL || kind == EC__OKIND_CANCEL || kind == EC__OKIND_RETURN;
}

static int takes_amount(int kind)
{
    return kind == EC__OKIND_AUTHORIZE || kind == EC__OKIND_CAPTURE || kind == EC__OKIND_REFUND;
}

static ec_status check_fields(const ec__oplan *p, ec_error *err)
{
    const ec_order_event *ev = p->ev;
    int k = p->kind;
    EC_FAIL_IF(ev->has_amount && !takes_amount(k), err, EC_INVALID_FIELD, "amount",
               "%.128s takes no amount", ev->type);
    EC_FAIL_IF(ev->nlines && !takes_lines(k), err, EC_INVALID_FIELD, "lines",
               "%.128s takes no lines", ev->type);
    EC_FAIL_IF(ev->has_fee && k != EC__OKIND_RETURN, err, EC_INVALID_FIELD, "fee",
               "only a return keeps a fee");
    EC_FAIL_IF(ev->has_shipping && k != EC__OKIND_RETURN, err, EC_INVALID_FIELD, "shipping",
               "only a return gives the shipping back");
    EC_FAIL_IF(!ev->nlines && (k == EC__OKIND_FULFILL || k == EC__OKIND_RETURN), err,
               EC_INVALID_FIELD, "lines", "%.128s names the lines and units it moves", ev->type);
    EC_FAIL_IF(!ev->has_amount && k == EC__OKIND_AUTHORIZE, err, EC_INVALID_FIELD, "amount",
               "authorize needs the amount the payment provider authorized");
    return EC_OK;
}

/* ---- units -------------------------------------------------------------------------- */

/* Units of line l an event of this kind may still move. */
static int64_t room(const ec__oline *l, int kind)
{
    if (kind == EC__OKIND_RETURN) return l->fulfilled - l->returned;
    return l->quantity - l->fulfilled - l->canceled;
}

static const char *verb(int kind)
{
    return kind == EC__OKIND_FULFILL ? "fulfil" : kind == EC__OKIND_RETURN ? "return" : "cancel";
}

/* Event line i goes to the first order line with its SKU that can take all
 * of its units (earlier event lines included). */
static ec_status place_line(ec__oplan *p, uint32_t i, ec_error *err)
{
    const ec_order *o = p->o;
    const ec__oevent_line *el = &p->ev->lines[i];
    int found = 0;
    int64_t most = 0;
    for (uint32_t k = 0; k < o->nlines; k++) {
        const ec__oline *l = &o->lines[k];
        if (l->sku_len != el->sku_len || memcmp(ec__order_sku(o, k), el->sku, el->sku_len) != 0)
            continue;
        found = 1;
        int64_t free_units = room(l, p->kind) - p->delta[k];
        if (free_units >= el->quantity) {
            p->delta[k] += el->quantity;
            return EC_OK;
        }
        if (free_units > most) most = free_units;
    }
    if (!found) {
        ec__fail(err, EC_INVALID_FIELD, NULL, "%.128s is not a line of the order", el->sku);
        ec__error_field(err, "lines[%u].sku", i);
        return EC_INVALID_FIELD;
    }
    ec__fail(err, EC_INVALID_FIELD, NULL, "%.128s: cannot %s %lld units, only %lld can be", el->sku,
             verb(p->kind), (long long)el->quantity, (long long)most);
    ec__error_field(err, "lines[%u].quantity", i);
    return EC_INVALID_FIELD;
}

static ec_status plan_units(ec__oplan *p, ec_error *err)
{
    ec_order *o = p->o;
    memset(p->delta, 0, o->nlines * sizeof *p->delta);
    if (!takes_lines(p->kind) && p->kind != EC__OKIND_EXPIRE) return EC_OK;
    if (p->ev->nlines) {
        for (uint32_t i = 0; i < p->ev->nlines; i++) EC_TRY(place_line(p, i, err));
        return EC_OK;
    }
    /* a cancel or expire without lines: every unit not yet fulfilled */
    int64_t any = 0;
    for (uint32_t k = 0; k < o->nlines; k++) any += p->delta[k] = room(&o->lines[k], p->kind);
    EC_FAIL_IF(!any, err, EC_INVALID_FIELD, NULL,
               "nothing to cancel: every unit is fulfilled or canceled");
    return EC_OK;
}

/* ---- what leaves ------------------------------------------------------------------------ */

/* The value of the units this event takes out, by the difference rule. */
static int64_t units_value(const ec__oplan *p)
{
    int64_t v = 0;
    for (uint32_t k = 0; k < p->o->nlines; k++) {
        const ec__oline *l = &p->o->lines[k];
        int64_t m = l->canceled + l->returned;
        if (p->delta[k]) v += ec__oline_value(l, m + p->delta[k]) - ec__oline_value(l, m);
    }
    return v;
}

static ec_status return_shipping(ec__oplan *p, ec_error *err)
{
    if (!p->ev->shipping) return EC_OK;
    EC_FAIL_IF(!p->o->has_shipping, err, EC_INVALID_FIELD, "shipping", "the order has no shipping");
    EC_FAIL_IF(p->ship_left, err, EC_INVALID_FIELD, "shipping",
               "the shipping already left the order");
    p->after.left += p->o->ship_total;
    p->ship_left = 1;
    return EC_OK;
}

static ec_status plan_leaving(ec__oplan *p, ec_error *err)
{
    int k = p->kind;
    if (k != EC__OKIND_CANCEL && k != EC__OKIND_EXPIRE && k != EC__OKIND_RETURN) return EC_OK;
    int64_t value = units_value(p);
    p->after.left += value;
    if (k == EC__OKIND_RETURN) {
        char a[EC_MONEY_FORMAT_MAX], b[EC_MONEY_FORMAT_MAX];
        EC_FAIL_IF(p->ev->fee > value, err, EC_INVALID_FIELD, "fee",
                   "a fee of %s exceeds the %s the returned units are worth",
                   money_text(p, p->ev->fee, a, sizeof a), money_text(p, value, b, sizeof b));
        p->after.fees += p->ev->fee;
        return return_shipping(p, err);
    }
    /* shipping goes with a cancel that leaves nothing to ship at all */
    if (p->o->has_shipping && !p->ship_left &&
        ec__order_fulfillment_of(p->o, p->delta, k) == EC_ORDER_FULFILLMENT_CANCELED) {
        p->after.left += p->o->ship_total;
        p->ship_left = 1;
    }
    return EC_OK;
}

/* ---- payment ------------------------------------------------------------------------------ */

static ec_status plan_authorize(ec__oplan *p, ec_error *err)
{
    char a[EC_MONEY_FORMAT_MAX], b[EC_MONEY_FORMAT_MAX];
    int64_t amount = p->ev->amount, due = ec__omoney_due(&p->before), open_after = 0;
    EC_FAIL_IF(amount == 0, err, EC_INVALID_FIELD, "amount",
               "an authorization needs an amount above zero");
    EC_FAIL_IF(ec_money_add(ec__omoney_open(&p->before), amount, &open_after) != EC_OK ||
                   open_after > due,
               err, EC_INVALID_FIELD, "amount",
               "an authorization of %s would leave more authorized than the %s due",
               money_text(p, amount, a, sizeof a), money_text(p, due, b, sizeof b));
    p->after.authorized += amount;
    return EC_OK;
}

static ec_status plan_capture(ec__oplan *p, ec_error *err)
{
    char a[EC_MONEY_FORMAT_MAX], b[EC_MONEY_FORMAT_MAX];
    int64_t open = ec__omoney_open(&p->before), due = ec__omoney_due(&p->before);
    int64_t amount = p->ev->has_amount ? p->ev->amount : open > 0 && open < due ? open : due;
    EC_FAIL_IF(amount == 0, err, EC_INVALID_FIELD, "amount",
               p->ev->has_amount ? "a capture needs an amount above zero"
                                 : "nothing to capture: nothing is due");
    EC_FAIL_IF(amount > due, err, EC_INVALID_FIELD, "amount", "a capture of %s exceeds the %s due",
               money_text(p, amount, a, sizeof a), money_text(p, due, b, sizeof b));
    EC_FAIL_IF(open > 0 && amount > open, err, EC_INVALID_FIELD, "amount",
               "a capture of %s exceeds the open authorization of %s",
               money_text(p, amount, a, sizeof a), money_text(p, open, b, sizeof b));
    p->after.captured += amount;
    if (open == 0) p->after.authorized += amount; /* a sale: captured without authorizing */
    return EC_OK;
}

static ec_status plan_refund(ec__oplan *p, ec_error *err)
{
    char a[EC_MONEY_FORMAT_MAX], b[EC_MONEY_FORMAT_MAX];
    int64_t paid = ec__omoney_paid(&p->before), due = ec__omoney_refund_due(&p->before);
    EC_FAIL_IF(!p->ev->has_amount && due == 0, err, EC_INVALID_FIELD, "amount",
               "nothing is due to refund; give an amount for a goodwill refund");
    int64_t amount = p->ev->has_amount ? p->ev->amount : due;
    EC_FAIL_IF(amount == 0, err, EC_INVALID_FIELD, "amount", "a refund needs an amount above zero");
    EC_FAIL_IF(amount > paid, err, EC_INVALID_FIELD, "amount", "a refund of %s exceeds the %s paid",
               money_text(p, amount, a, sizeof a), money_text(p, paid, b, sizeof b));
    p->after.refunded += amount;
    return EC_OK;
}

static ec_status plan_payment(ec__oplan *p, ec_error *err)
{
    switch (p->kind) {
    case EC__OKIND_AUTHORIZE:
        return plan_authorize(p, err);
    case EC__OKIND_CAPTURE:
        return plan_capture(p, err);
    case EC__OKIND_REFUND:
        return plan_refund(p, err);
    case EC__OKIND_VOID:
        EC_FAIL_IF(ec__omoney_open(&p->before) == 0, err, EC_INVALID_FIELD, NULL,
                   "nothing to void: no authorization is open");
        p->after.authorized = p->after.captured;
        return EC_OK;
    default:
        return EC_OK;
    }
}

ec_status ec__oplan_event(ec__oplan *p, ec_error *err)
{
    EC_TRY(check_fields(p, err));
    EC_TRY(plan_units(p, err));
    EC_TRY(plan_leaving(p, err));
    return plan_payment(p, err);
}

int32_t ec__oplan_fulfillment(const ec__oplan *p)
{
    return ec__order_fulfillment_of(p->o, p->delta, p->kind);
}
