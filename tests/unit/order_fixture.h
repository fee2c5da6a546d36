/* order_fixture.h - orders made from priced carts, and events written as
 * short strings, for the order tests (test_order.c, test_order_money.c,
 * test_order_property.c).
 *
 * An event string is a type followed by its data:
 *     "fulfill A:1 B:2"          lines (SKU:units)
 *     "capture 12.34"            an amount
 *     "return A:1 fee=1.00 ship" lines, a fee, the shipping given back
 *     "cancel" / "refund"        no data: the defaults
 * and effects read back as "ship_stock A:1 B:2; refund_payment 3.33". */
#ifndef EC_TEST_ORDER_FIXTURE_H
#define EC_TEST_ORDER_FIXTURE_H

#include "ecommerce/order.h"
#include "helpers.h"

/* A ruleset without tax: A 10.00, B 20.00, C 3.00, D 4.00 (EUR), shipping
 * "std" 4.90 to DE, a 10% cart promotion for coupon TEN and 2.00 off the
 * D lines for coupon TWO (three D then cost 10.00 together). */
static const char of_rules_doc[] =
    "{'currency':'EUR',"
    "'products':[{'sku':'A','prices':{'EUR':'10.00'}},{'sku':'B','prices':{'EUR':'20.00'}},"
    "{'sku':'C','prices':{'EUR':'3.00'}},{'sku':'D','prices':{'EUR':'4.00'}}],"
    "'promotions':[{'id':'TEN','coupon':'TEN','action':{'type':'percent_off','percent':'10'}},"
    "{'id':'TWO','coupon':'TWO','target':{'skus':['D']},"
    "'action':{'type':'amount_off_order','amount':'2.00'}}],"
    "'shipping':[{'id':'std','prices':{'EUR':'4.90'},'countries':['DE']}]}";

typedef struct of_fx {
    th_fx p; /* ruleset, cart and result */
    ec_order *o;
    ec_order_event *ev;
    ec_order_effects *fx;
    ec_error e;
    int32_t duplicate;
    unsigned next_id;
} of_fx;

static inline int of_open(of_fx *f, const char *rules)
{
    memset(f, 0, sizeof *f);
    int ok = th_fx_open(&f->p, rules ? rules : of_rules_doc);
    f->o = ec_order_new();
    f->ev = ec_order_event_new();
    f->fx = ec_order_effects_new();
    return ok && f->o && f->ev && f->fx;
}

static inline void of_close(of_fx *f)
{
    ec_order_effects_free(f->fx);
    ec_order_event_free(f->ev);
    ec_order_free(f->o);
    th_fx_close(&f->p);
}

/* A new order "ord-1" from a cart written as th_fx_cart() reads it ("A*3
 * B ship=std country=DE coupon=TEN"); EC_OK or the failure. */
static inline ec_status of_order(of_fx *f, const char *cart)
{
    th_fx_recart(&f->p, cart);
    ec_status st = th_fx_price(&f->p);
    f->e = th_error();
    if (st == EC_OK) st = ec_order_create(f->o, f->p.r, "ord-1", NULL, &f->e);
    f->next_id = 0;
    return st;
}

/* Minor units of a money string in EUR. */
static inline int64_t of_eur(const char *s)
{
    int64_t v = 0;
    return ec_money_parse(s, strlen(s), 2, &v, NULL) == EC_OK ? v : INT64_MIN;
}

/* Fill f->ev from an event string (a new id "e<n>" each time). */
static inline ec_status of_event(of_fx *f, const char *spec)
{
    char buf[512], id[32];
    snprintf(buf, sizeof buf, "%s", spec);
    snprintf(id, sizeof id, "e%u", ++f->next_id);
    ec_order_event_reset(f->ev);
    ec_status st = ec_order_event_set_id(f->ev, id, &f->e);
    if (st == EC_OK) st = ec_order_event_set_at(f->ev, th_time("2026-11-28T11:00:00Z"), &f->e);
    char *save = NULL;
    for (char *w = strtok_r(buf, " ", &save); w && st == EC_OK; w = strtok_r(NULL, " ", &save)) {
        char *colon = strchr(w, ':');
        if (!ec_order_event_type(f->ev))
            st = ec_order_event_set_type(f->ev, w, &f->e);
        else if (strncmp(w, "fee=", 4) == 0)
            st = ec_order_event_set_fee(f->ev, of_eur(w + 4), &f->e);
        else if (strcmp(w, "ship") == 0)
            st = ec_order_event_set_shipping(f->ev, 1, &f->e);
        else if (strncmp(w, "v=", 2) == 0)
            st = ec_order_event_set_expected_version(f->ev, atoll(w + 2), &f->e);
        else if (colon) {
            *colon = '\0';
            st = ec_order_event_add_line(f->ev, w, atoll(colon + 1), &f->e);
        } else
            st = ec_order_event_set_amount(f->ev, of_eur(w), &f->e);
    }
    return st;
}

/* Apply an event string to f->o with `m` (NULL: the default). */
static inline ec_status of_apply_with(of_fx *f, const ec_order_machine *m, const char *spec)
{
    f->e = th_error();
    ec_status st = of_event(f, spec);
    if (st == EC_OK) st = ec_order_apply(m, f->o, f->ev, f->fx, &f->duplicate, &f->e);
    return st;
}

static inline ec_status of_apply(of_fx *f, const char *spec)
{
    return of_apply_with(f, NULL, spec);
}

static inline void of_money(char *buf, size_t cap, int64_t v)
{
    ec_money_format(v, 2, buf, cap, NULL);
}

/* The effects of the last event: "ship_stock A:1 B:2; refund_payment 3.33". */
static inline void of_effects(const of_fx *f, char *s, size_t cap)
{
    s[0] = '\0';
    for (size_t i = 0; i < ec_order_effects_count(f->fx); i++) {
        int32_t type = ec_order_effects_get(f->fx, i);
        char item[200], m[32];
        size_t used = strlen(s);
        snprintf(s + used, cap - used, "%s%s", i ? "; " : "", ec_order_effect_name(type));
        if (type == EC_ORDER_EFFECT_REFUND_PAYMENT || type == EC_ORDER_EFFECT_VOID_PAYMENT) {
            of_money(m, sizeof m, ec_order_effects_amount(f->fx, i));
            used = strlen(s);
            snprintf(s + used, cap - used, " %s", m);
        }
        for (size_t j = 0; j < ec_order_effects_line_count(f->fx, i); j++) {
            snprintf(item, sizeof item, " %s:%lld", ec_order_effects_line_sku(f->fx, i, j),
                     (long long)ec_order_effects_line_quantity(f->fx, i, j));
            used = strlen(s);
            snprintf(s + used, cap - used, "%s", item);
        }
    }
}

/* The order's money: "state balance due refund_due status fulfillment". */
static inline void of_summary(const ec_order *o, char *s, size_t cap)
{
    char b[32], d[32], r[32];
    of_money(b, sizeof b, ec_order_balance(o));
    of_money(d, sizeof d, ec_order_amount_due(o));
    of_money(r, sizeof r, ec_order_refund_due(o));
    snprintf(s, cap, "%s %s %s %s %s %s", ec_order_state(o), b, d, r,
             ec_order_payment_status_name(ec_order_payment_status(o)),
             ec_order_fulfillment_name(ec_order_fulfillment(o)));
}

/* Apply and check: the status, then (on success) the effects string. */
static inline void of_expect(of_fx *f, const char *spec, const char *effects, const char *file,
                             unsigned line)
{
    ec_status st = of_apply(f, spec);
    if (st != EC_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%.200s refused: %s at '%s': %s", spec, ec_status_name(st),
                 f->e.field, f->e.message);
        th_expect_str(msg, effects, "event", file, line);
        return;
    }
    char got[600];
    of_effects(f, got, sizeof got);
    th_expect_str(got, effects, spec, file, line);
}

static inline void of_expect_summary(const of_fx *f, const char *want, const char *file,
                                     unsigned line)
{
    char got[300];
    of_summary(f->o, got, sizeof got);
    th_expect_str(got, want, "order", file, line);
}

/* Apply and expect a refusal with this status and field, the order
 * unchanged. */
static inline void of_refused(of_fx *f, const char *spec, ec_status status, const char *field,
                              const char *file, unsigned line)
{
    char *before = NULL, *after = NULL;
    CU_ASSERT_EQUAL_FATAL(ec_order_to_json(f->o, &before, NULL), EC_OK);
    ec_status st = of_apply(f, spec);
    th_expect_error(st, &f->e, status, field, file, line);
    CU_ASSERT_EQUAL(ec_order_effects_count(f->fx), 0);
    CU_ASSERT_EQUAL(ec_order_to_json(f->o, &after, NULL), EC_OK);
    th_expect_str(after, before, "order after a refusal", file, line);
    ec_free(before);
    ec_free(after);
}

#endif /* EC_TEST_ORDER_FIXTURE_H */
