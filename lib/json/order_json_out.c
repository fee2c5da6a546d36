/* order_json_out.c - machine, order and apply-result documents out, and the
 * one-call JSON apply.
 *
 * Written straight from the typed objects into an ec__buf (no tree), in a
 * fixed key order, so that the same order always gives the same bytes. */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "ecommerce/order.h"
#include "json/writer.h"
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
    if (tr->neffects) {
        ec__buf_lit(b, ",\"effects\":[");
        for (uint8_t k = 0; k < tr->neffects; k++) {
            ec__buf_lit(b, k ? ",\"" : "\"");
            ec__buf_lit(b, ec_order_effect_name(tr->effects[k]));
            ec__buf_lit(b, "\"");
        }
        ec__buf_lit(b, "]");
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

static void write_lines(ec__buf *b, const ec_order *o)
{
    ec__buf_lit(b, ",\"lines\":[");
    for (uint32_t i = 0; i < o->nlines; i++) {
        const ec__oline *l = &o->lines[i];
        ec__buf_lit(b, i ? ",{\"sku\":" : "{\"sku\":");
        ec__buf_str(b, ec__order_sku(o, i), l->sku_len);
        ec__buf_lit(b, ",\"quantity\":");
        ec__buf_int(b, l->quantity);
        ec__buf_lit(b, ",\"fulfilled\":");
        ec__buf_int(b, l->fulfilled);
        ec__buf_lit(b, ",\"returned\":");
        ec__buf_int(b, l->returned);
        ec__buf_lit(b, "}");
    }
    ec__buf_lit(b, "]");
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
    ec__buf_lit(b, "\",\"total\":");
    ec__buf_money(b, o->total, e);
    write_lines(b, o);
    ec__buf_lit(b, ",\"payment\":{\"authorized\":");
    ec__buf_money(b, o->authorized, e);
    ec__buf_lit(b, ",\"captured\":");
    ec__buf_money(b, o->captured, e);
    ec__buf_lit(b, ",\"refunded\":");
    ec__buf_money(b, o->refunded, e);
    ec__buf_lit(b, "}");
    write_history(b, o);
    ec__buf_lit(b, "}");
}

static void write_result(ec__buf *b, const ec_order *o, const ec_order_effects *fx,
                         int32_t duplicate)
{
    ec__buf_lit(b, "{\"order\":");
    write_order(b, o);
    ec__buf_lit(b, ",\"effects\":[");
    for (size_t k = 0; k < ec_order_effects_count(fx); k++) {
        ec__buf_lit(b, k ? ",\"" : "\"");
        ec__buf_lit(b, ec_order_effect_name(ec_order_effects_get(fx, k)));
        ec__buf_lit(b, "\"");
    }
    ec__buf_lit(b, duplicate ? "],\"duplicate\":true}" : "],\"duplicate\":false}");
}

/* ---- handing buffers over ------------------------------------------------------------ */

static ec_status take(ec__buf *b, char **out, size_t *out_len)
{
    if (!ec__buf_finish(b)) {
        ec__dealloc(b->alloc, b->p);
        return EC_NO_MEMORY;
    }
    *out = b->p;
    if (out_len) *out_len = b->len;
    return EC_OK;
}

ec_status ec_order_machine_to_json(const ec_order_machine *m, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!m || !m->sealed) return EC_MISUSE;
    ec__buf b = {0};
    write_machine(&b, &m->t);
    return take(&b, out, out_len);
}

/* The order's own fields are what a document needs; an order built by hand
 * and left incomplete cannot be written. */
static int order_complete(const ec_order *o)
{
    return o->id_len && o->state_len && o->currency >= 0;
}

ec_status ec_order_to_json(const ec_order *o, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!o || !order_complete(o)) return EC_MISUSE;
    ec__buf b = {0};
    write_order(&b, o);
    return take(&b, out, out_len);
}

/* ---- one call ------------------------------------------------------------------------- */

typedef struct apply_ctx {
    ec_order *order;
    ec_order_event *event;
    ec_order_effects *effects;
} apply_ctx;

static ec_status run_apply(apply_ctx *c, const ec_order_machine *m, const char *order_json,
                           size_t order_len, const char *event_json, size_t event_len,
                           int32_t *duplicate, ec_error *err)
{
    ec_status st = ec_order_from_json(c->order, order_json, order_len, err);
    if (st != EC_OK) {
        if (st != EC_NO_MEMORY) ec__error_prefix(err, "order");
        return st;
    }
    EC_TRY(ec_order_event_from_json(c->event, event_json, event_len, ec_order_currency(c->order),
                                    err));
    return ec_order_apply(m ? m : ec_order_machine_default(), c->order, c->event, c->effects,
                          duplicate, err);
}

ec_status ec_json_order_apply_ex(const ec_allocator *alloc, const ec_order_machine *m,
                                 const char *order_json, size_t order_len, const char *event_json,
                                 size_t event_len, char **out, size_t *out_len, ec_error *err)
{
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    apply_ctx c = {ec_order_new_ex(alloc), ec_order_event_new_ex(alloc),
                   ec_order_effects_new_ex(alloc)};
    int32_t duplicate = 0;
    ec_status st = EC_NO_MEMORY;
    if (!c.order || !c.event || !c.effects)
        ec__fail(err, st, NULL, NULL);
    else
        st = run_apply(&c, m, order_json, order_len, event_json, event_len, &duplicate, err);
    if (st == EC_OK) {
        ec__buf b = {alloc, NULL, 0, 0, 0};
        write_result(&b, c.order, c.effects, duplicate);
        st = take(&b, out, out_len);
        if (st != EC_OK) ec__fail(err, st, NULL, NULL);
    }
    ec_order_effects_free(c.effects);
    ec_order_event_free(c.event);
    ec_order_free(c.order);
    return st;
}

ec_status ec_json_order_apply(const ec_order_machine *m, const char *order_json, size_t order_len,
                              const char *event_json, size_t event_len, char **out, size_t *out_len,
                              ec_error *err)
{
    return ec_json_order_apply_ex(NULL, m, order_json, order_len, event_json, event_len, out,
                                  out_len, err);
}
