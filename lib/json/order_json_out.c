/* order_json_out.c - machine, order, effects and apply-result documents
 * out.
 *
 * Written straight from the typed objects into an ec__buf (no tree), in a
 * fixed key order, so that the same order always gives the same bytes. */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "ecommerce/order.h"
#include "json/order_codec.h"
#include "order/order_internal.h"

#define DAY_US INT64_C(86400000000)

static void name(ec__buf *b, const ec__oname *n)
{
    ec__buf_str(b, n->p, n->n);
}

/* ---- time ------------------------------------------------------------------- */

/* UTC RFC 3339 with the fraction only when there is one, trailing zeros
 * dropped: "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.25Z".  Days to a
 * civil date by H. Hinnant's days_from_civil inverse.  Only times inside
 * EC__ORDER_TIME_MIN..MAX reach here (years 0000 to 9999). */
static void write_time(ec__buf *b, int64_t us)
{
    int64_t days = us / DAY_US, rem = us % DAY_US;
    if (rem < 0) rem += DAY_US, days--;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    char tmp[48];
    int n = snprintf(tmp, sizeof tmp, "\"%04d-%02d-%02dT%02d:%02d:%02d", (int)year, (int)month,
                     (int)day, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac) {
        int digits = 6;
        while (frac % 10 == 0) frac /= 10, digits--;
        n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%0*d", digits, (int)frac);
    }
    snprintf(tmp + n, sizeof tmp - (size_t)n, "Z\"");
    ec__buf_lit(b, tmp);
}

/* ---- machine ------------------------------------------------------------------ */

static void write_transition(ec__buf *b, const ec__otable *t, const ec__otrans *tr)
{
    ec__buf_lit(b, "{\"from\":[");
    for (uint16_t j = 0; j < tr->nfrom; j++) {
        if (j) ec__buf_lit(b, ",");
        name(b, &t->states[tr->from[j]]);
    }
    ec__buf_lit(b, "],\"event\":");
    name(b, &t->events[tr->event]);
    ec__buf_lit(b, ",\"to\":");
    name(b, &t->states[tr->to]);
    if (tr->guard != EC__ORDER_NO_GUARD) {
        ec__buf_lit(b, ",\"guard\":\"");
        ec__buf_lit(b, ec_order_guard_name(tr->guard));
        ec__buf_lit(b, "\"");
    }
    ec__buf_lit(b, "}");
}

static void write_machine(ec__buf *b, const ec__otable *t)
{
    ec__buf_lit(b, "{\"initial\":");
    name(b, &t->states[t->initial]);
    ec__buf_lit(b, ",\"transitions\":[");
    for (uint32_t i = 0; i < t->ntrans; i++) {
        if (i) ec__buf_lit(b, ",");
        write_transition(b, t, &t->trans[i]);
    }
    ec__buf_lit(b, "]");
    if (t->nfinals) {
        ec__buf_lit(b, ",\"final\":[");
        for (uint32_t k = 0; k < t->nfinals; k++) {
            if (k) ec__buf_lit(b, ",");
            name(b, &t->states[t->finals[k]]);
        }
        ec__buf_lit(b, "]");
    }
    ec__buf_lit(b, "}");
}

/* ---- order ---------------------------------------------------------------------- */

static void money_field(ec__buf *b, const char *key, int64_t v, int32_t e)
{
    ec__buf_lit(b, key);
    ec__buf_money(b, v, e);
}

static void write_line(ec__buf *b, const ec_order *o, uint32_t i, int32_t e)
{
    const ec__oline *l = &o->lines[i];
    ec__buf_lit(b, i ? ",{\"sku\":" : "{\"sku\":");
    ec__buf_str(b, ec__order_sku(o, i), l->sku_len);
    ec__buf_lit(b, ",\"quantity\":");
    ec__buf_int(b, l->quantity);
    money_field(b, ",\"unit_price\":", l->unit_price, e);
    money_field(b, ",\"subtotal\":", l->subtotal, e);
    money_field(b, ",\"discount\":", l->discount, e);
    money_field(b, ",\"net\":", l->net, e);
    money_field(b, ",\"tax\":", l->tax, e);
    money_field(b, ",\"total\":", l->total, e);
    ec__buf_lit(b, ",\"fulfilled\":");
    ec__buf_int(b, l->fulfilled);
    ec__buf_lit(b, ",\"canceled\":");
    ec__buf_int(b, l->canceled);
    ec__buf_lit(b, ",\"returned\":");
    ec__buf_int(b, l->returned);
    ec__buf_lit(b, "}");
}

static void write_shipping(ec__buf *b, const ec_order *o, int32_t e)
{
    if (!o->has_shipping) {
        ec__buf_lit(b, ",\"shipping\":null");
        return;
    }
    ec__buf_lit(b, ",\"shipping\":{\"method\":");
    ec__buf_str(b, ec__order_str(o, o->ship_off), o->ship_len);
    money_field(b, ",\"total\":", o->ship_total, e);
    money_field(b, ",\"tax\":", o->ship_tax, e);
    ec__buf_lit(b, o->shipping_left ? ",\"returned\":true}" : ",\"returned\":false}");
}

static void write_promotions(ec__buf *b, const ec_order *o, int32_t e)
{
    ec__buf_lit(b, ",\"promotions\":[");
    for (uint32_t i = 0; i < o->npromos; i++) {
        const ec__opromo *p = &o->promos[i];
        ec__buf_lit(b, i ? ",{\"id\":" : "{\"id\":");
        ec__buf_str(b, ec__order_str(o, p->off), p->len);
        money_field(b, ",\"amount\":", p->amount, e);
        ec__buf_lit(b, "}");
    }
    ec__buf_lit(b, "],\"coupons\":[");
    for (uint32_t i = 0; i < o->ncoupons; i++) {
        const ec__opromo *c = &o->promos[o->npromos + i];
        if (i) ec__buf_lit(b, ",");
        ec__buf_str(b, ec__order_str(o, c->off), c->len);
    }
    ec__buf_lit(b, "]");
}

static void write_payment(ec__buf *b, const ec_order *o, int32_t e)
{
    const ec__omoney *m = &o->m;
    money_field(b, ",\"balance\":", ec__omoney_balance(m), e);
    money_field(b, ",\"payment\":{\"authorized\":", m->authorized, e);
    money_field(b, ",\"captured\":", m->captured, e);
    money_field(b, ",\"refunded\":", m->refunded, e);
    money_field(b, ",\"amount_due\":", ec__omoney_due(m), e);
    money_field(b, ",\"refund_due\":", ec__omoney_refund_due(m), e);
    ec__buf_lit(b, ",\"status\":\"");
    ec__buf_lit(b, ec_order_payment_status_name(ec__omoney_status(m)));
    ec__buf_lit(b, "\"},\"fulfillment\":\"");
    ec__buf_lit(b, ec_order_fulfillment_name(ec__order_fulfillment_of(o, NULL, EC__OKIND_OTHER)));
    ec__buf_lit(b, "\"");
}

static void write_history(ec__buf *b, const ec_order *o)
{
    static const char *const keys[4] = {"{\"event_id\":", ",\"event\":", ",\"from\":", ",\"to\":"};
    ec__buf_lit(b, ",\"history\":[");
    for (uint32_t i = 0; i < o->nhist; i++) {
        const ec__ohist *h = &o->hist[i];
        const uint8_t lens[4] = {h->id_len, h->event_len, h->from_len, h->to_len};
        if (i) ec__buf_lit(b, ",");
        for (int k = 0; k < 4; k++) {
            ec__buf_lit(b, keys[k]);
            ec__buf_str(b, ec__order_hist_str(o, i, k), lens[k]);
        }
        ec__buf_lit(b, ",\"at\":");
        write_time(b, h->at);
        ec__buf_lit(b, "}");
    }
    ec__buf_lit(b, "]");
}

static void write_order(ec__buf *b, const ec_order *o)
{
    int32_t e = ec_currency_exponent(o->currency);
    ec__buf_lit(b, "{\"id\":");
    ec__buf_str(b, o->id, o->id_len);
    ec__buf_lit(b, ",\"state\":");
    ec__buf_str(b, o->state, o->state_len);
    ec__buf_lit(b, ",\"version\":");
    ec__buf_int(b, o->version);
    ec__buf_lit(b, ",\"currency\":\"");
    ec__buf_lit(b, ec_currency_code(o->currency));
    ec__buf_lit(b, "\",\"created_at\":");
    if (o->has_created_at)
        write_time(b, o->created_at);
    else
        ec__buf_lit(b, "null");
    ec__buf_lit(b, o->include_tax ? ",\"prices_include_tax\":true,\"lines\":["
                                  : ",\"prices_include_tax\":false,\"lines\":[");
    for (uint32_t i = 0; i < o->nlines; i++) write_line(b, o, i, e);
    ec__buf_lit(b, "]");
    write_shipping(b, o, e);
    money_field(b, ",\"subtotal\":", o->subtotal, e);
    money_field(b, ",\"discount\":", o->discount, e);
    money_field(b, ",\"tax\":", o->tax, e);
    money_field(b, ",\"total\":", o->m.total, e);
    write_promotions(b, o, e);
    write_payment(b, o, e);
    write_history(b, o);
    ec__buf_lit(b, "}");
}

/* ---- effects ------------------------------------------------------------------------ */

static void write_effect(ec__buf *b, const ec_order_effects *fx, size_t i, int32_t e)
{
    ec__buf_lit(b, i ? ",{\"type\":\"" : "{\"type\":\"");
    ec__buf_lit(b, ec_order_effect_name(ec_order_effects_get(fx, i)));
    if (ec_order_effects_get(fx, i) == EC_ORDER_EFFECT_REFUND_PAYMENT ||
        ec_order_effects_get(fx, i) == EC_ORDER_EFFECT_VOID_PAYMENT) {
        money_field(b, "\",\"amount\":", ec_order_effects_amount(fx, i), e);
        ec__buf_lit(b, "}");
        return;
    }
    ec__buf_lit(b, "\",\"lines\":[");
    for (size_t j = 0; j < ec_order_effects_line_count(fx, i); j++) {
        const char *sku = ec_order_effects_line_sku(fx, i, j);
        ec__buf_lit(b, j ? ",{\"sku\":" : "{\"sku\":");
        ec__buf_str(b, sku, strlen(sku));
        ec__buf_lit(b, ",\"quantity\":");
        ec__buf_int(b, ec_order_effects_line_quantity(fx, i, j));
        ec__buf_lit(b, "}");
    }
    ec__buf_lit(b, "]}");
}

static void write_effects(ec__buf *b, const ec_order_effects *fx, const ec_order *o)
{
    int32_t e = ec_currency_exponent(o->currency);
    ec__buf_lit(b, "[");
    for (size_t i = 0; i < ec_order_effects_count(fx); i++) write_effect(b, fx, i, e);
    ec__buf_lit(b, "]");
}

void ec__order_write_result(ec__buf *b, const ec_order *o, const ec_order_effects *fx,
                            int32_t duplicate)
{
    ec__buf_lit(b, "{\"order\":");
    write_order(b, o);
    ec__buf_lit(b, ",\"effects\":");
    write_effects(b, fx, o);
    ec__buf_lit(b, duplicate ? ",\"duplicate\":true}" : ",\"duplicate\":false}");
}

/* ---- handing buffers over ------------------------------------------------------------ */

ec_status ec_order_machine_to_json(const ec_order_machine *m, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!m || !m->sealed) return EC_MISUSE;
    ec__buf b = {0};
    write_machine(&b, &m->t);
    return ec__buf_take(&b, out, out_len);
}

/* The order's own fields are what a document needs; an order built by hand
 * and left incomplete cannot be written. */
static int order_complete(const ec_order *o)
{
    return o->id_len && o->state_len && o->currency >= 0 && o->nlines;
}

ec_status ec_order_to_json(const ec_order *o, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!o || !order_complete(o)) return EC_MISUSE;
    ec__buf b = {0};
    write_order(&b, o);
    return ec__buf_take(&b, out, out_len);
}

ec_status ec_order_effects_to_json(const ec_order_effects *fx, const ec_order *o, char **out,
                                   size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!fx || !o || !order_complete(o) || fx->order != o) return EC_MISUSE;
    ec__buf b = {0};
    write_effects(&b, fx, o);
    return ec__buf_take(&b, out, out_len);
}
