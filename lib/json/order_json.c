/* order_json.c - the machine, order and event documents into the typed
 * objects of order.h.
 *
 * The codec checks the shape of each value (types, unknown keys, money
 * syntax) and hands the values to the order module, which checks the
 * rules (identifiers, ranges, guards; the sums and invariants of a whole
 * order); either side's error is given the full path here, in document
 * order. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "ecommerce/order.h"
#include "json/read.h"
#include "order/order_internal.h"

/* Run `expr` for element i of array `arr`, prefixing errors with key[i]. */
#define EACH(arr, key, i, elem, err, expr)                                                         \
    do {                                                                                           \
        uint32_t i = 0;                                                                            \
        for (const cJSON *elem = (arr)->child; elem; elem = elem->next, i++) {                     \
            ec_status st_ = (expr);                                                                \
            if (st_ != EC_OK) {                                                                    \
                if (st_ != EC_NO_MEMORY) ec__error_prefix((err), "%s[%u]", key, i);                \
                return st_;                                                                        \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static ec_status prefixed(ec_status st, const char *key, ec_error *err)
{
    if (st != EC_OK && st != EC_NO_MEMORY) ec__error_prefix(err, "%s", key);
    return st;
}

/* A required string member (identifier rules are the setters' job). */
static ec_status req_string(const cJSON *obj, const char *key, const char **s, ec_error *err)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(ec__jrequire(obj, key, &f, err));
    return ec__jstring(f, key, s, &n, err);
}

/* Strings of an array, at most max of them, into names[]. */
static ec_status read_names(const cJSON *arr, const char *key, size_t max, const char **names,
                            size_t *n, ec_error *err)
{
    size_t len = 0;
    EC_TRY(ec__jarray(arr, key, max, n, err));
    EACH(arr, key, i, e, err, ec__jstring(e, "", &names[i], &len, err));
    return EC_OK;
}

/* ==== machine ================================================================ */

static const char *const machine_keys[] = {"initial", "transitions", "final", NULL};
static const char *const transition_keys[] = {"from", "event", "to", "guard", "effects", NULL};

static ec_status read_transition(ec_order_machine *m, const cJSON *v, ec_error *err)
{
    const char *from[EC_ORDER_MACHINE_MAX_STATES];
    const char *effects[EC_ORDER_MAX_EFFECTS];
    const char *event = NULL, *to = NULL, *guard = NULL;
    size_t nfrom = 0, neffects = 0, len = 0;
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, transition_keys, "a transition", err));
    EC_TRY(ec__jrequire(v, "from", &f, err));
    EC_TRY(read_names(f, "from", EC_ORDER_MACHINE_MAX_STATES, from, &nfrom, err));
    EC_TRY(req_string(v, "event", &event, err));
    EC_TRY(req_string(v, "to", &to, err));
    if ((f = ec__jget(v, "guard"))) EC_TRY(ec__jstring(f, "guard", &guard, &len, err));
    if ((f = ec__jget(v, "effects")))
        EC_TRY(read_names(f, "effects", EC_ORDER_MAX_EFFECTS, effects, &neffects, err));
    return ec_order_machine_add_transition(m, from, nfrom, event, to, guard, effects, neffects,
                                           err);
}

static ec_status read_final(ec_order_machine *m, const cJSON *v, ec_error *err)
{
    const char *s = NULL;
    size_t len = 0;
    EC_TRY(ec__jstring(v, "", &s, &len, err));
    ec_status st = ec_order_machine_add_final(m, s, err);
    if (st != EC_OK && err) err->field[0] = '\0'; /* the caller names the entry */
    return st;
}

static ec_status read_machine(ec_order_machine *m, const cJSON *doc, ec_error *err)
{
    const cJSON *f = NULL;
    const char *initial = NULL;
    size_t n = 0;
    EC_TRY(ec__jkeys(doc, machine_keys, "the machine", err));
    EC_TRY(req_string(doc, "initial", &initial, err));
    EC_TRY(ec_order_machine_set_initial(m, initial, err));
    EC_TRY(ec__jrequire(doc, "transitions", &f, err));
    EC_TRY(ec__jarray(f, "transitions", EC_ORDER_MACHINE_MAX_TRANSITIONS, &n, err));
    EACH(f, "transitions", i, t, err, read_transition(m, t, err));
    if ((f = ec__jget(doc, "final"))) {
        EC_TRY(ec__jarray(f, "final", EC_ORDER_MACHINE_MAX_STATES, &n, err));
        EACH(f, "final", i, s, err, read_final(m, s, err));
    }
    return ec_order_machine_seal(m, err);
}

ec_status ec_order_machine_from_json(const char *json, size_t len, const ec_allocator *alloc,
                                     ec_order_machine **out, ec_error *err)
{
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    cJSON *doc = NULL;
    EC_TRY(ec__jparse(json, len, &doc, err));
    ec_order_machine *m = ec_order_machine_new_ex(alloc);
    ec_status st = m ? read_machine(m, doc, err) : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    cJSON_Delete(doc);
    if (st != EC_OK) {
        ec_order_machine_free(m);
        return st;
    }
    *out = m;
    return EC_OK;
}

/* ==== order ================================================================== */

static const char *const order_keys[] = {
    "id",         "state",    "version",  "currency", "created_at",  "prices_include_tax",
    "lines",      "shipping", "subtotal", "discount", "tax",         "total",
    "promotions", "coupons",  "balance",  "payment",  "fulfillment", "history",
    NULL};
static const char *const line_keys[] = {"sku",       "quantity", "unit_price", "subtotal",
                                        "discount",  "net",      "tax",        "total",
                                        "fulfilled", "canceled", "returned",   NULL};
static const char *const shipping_keys[] = {"method", "total", "tax", "returned", NULL};
static const char *const promotion_keys[] = {"id", "amount", NULL};
static const char *const payment_keys[] = {"authorized", "captured", "refunded", "amount_due",
                                           "refund_due", "status",   NULL};
static const char *const history_keys[] = {"event_id", "event", "from", "to", "at", NULL};

/* An optional integer member, 0 when absent. */
static ec_status opt_int(const cJSON *obj, const char *key, int64_t max, int64_t *out,
                         ec_error *err)
{
    const cJSON *f = ec__jget(obj, key);
    *out = 0;
    return f ? ec__jint(f, key, 0, max, out, err) : EC_OK;
}

/* An optional money member, 0 when absent. */
static ec_status opt_money(const cJSON *obj, const char *key, int32_t exponent, int64_t *out,
                           ec_error *err)
{
    const cJSON *f = ec__jget(obj, key);
    *out = 0;
    return f ? ec__jmoney(f, key, exponent, out, err) : EC_OK;
}

static ec_status req_money(const cJSON *obj, const char *key, int32_t exponent, int64_t *out,
                           ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jrequire(obj, key, &f, err));
    return ec__jmoney(f, key, exponent, out, err);
}

static ec_status opt_bool(const cJSON *obj, const char *key, int *out, ec_error *err)
{
    const cJSON *f = ec__jget(obj, key);
    *out = 0;
    return f ? ec__jbool(f, key, out, err) : EC_OK;
}

/* Failures inside entry i of an array are named from it ("lines[2].net"). */
static ec_status entry_fail(ec_status st, const char *key, uint32_t i, ec_error *err)
{
    if (st != EC_NO_MEMORY) ec__error_prefix(err, "%s[%u]", key, i);
    return st;
}

static ec_status read_line(ec_order *o, const cJSON *v, int32_t e, ec_error *err)
{
    static const char *const money_keys[6] = {"unit_price", "discount", "subtotal",
                                              "net",        "tax",      "total"};
    const cJSON *f = NULL;
    const char *sku = NULL;
    size_t n = 0;
    ec__oline l;
    memset(&l, 0, sizeof l);
    int64_t *amounts[6] = {&l.unit_price, &l.discount, &l.subtotal, &l.net, &l.tax, &l.total};
    EC_TRY(ec__jkeys(v, line_keys, "a line", err));
    EC_TRY(ec__jrequire(v, "sku", &f, err));
    EC_TRY(ec__jid(f, "sku", &sku, &n, err));
    EC_TRY(ec__jrequire(v, "quantity", &f, err));
    EC_TRY(ec__jint(f, "quantity", 1, EC_ORDER_MAX_QUANTITY, &l.quantity, err));
    for (int k = 0; k < 6; k++) EC_TRY(req_money(v, money_keys[k], e, amounts[k], err));
    EC_TRY(opt_int(v, "fulfilled", EC_ORDER_MAX_QUANTITY, &l.fulfilled, err));
    EC_TRY(opt_int(v, "canceled", EC_ORDER_MAX_QUANTITY, &l.canceled, err));
    EC_TRY(opt_int(v, "returned", EC_ORDER_MAX_QUANTITY, &l.returned, err));
    return ec__order_push_line(o, sku, n, &l, err);
}

static ec_status read_lines(ec_order *o, const cJSON *doc, int32_t e, ec_error *err)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(ec__jrequire(doc, "lines", &f, err));
    EC_TRY(ec__jarray(f, "lines", EC_ORDER_MAX_LINES, &n, err));
    EC_FAIL_IF(n == 0, err, EC_INVALID_FIELD, "lines", "an order needs at least one line");
    uint32_t i = 0;
    for (const cJSON *l = f->child; l; l = l->next, i++) {
        ec_status st = read_line(o, l, e, err);
        if (st != EC_OK) return entry_fail(st, "lines", i, err);
    }
    return EC_OK;
}

static ec_status read_shipping_doc(ec_order *o, const cJSON *v, int32_t e, ec_error *err)
{
    const cJSON *f = NULL;
    const char *method = NULL;
    size_t n = 0;
    int64_t total = 0, tax = 0;
    int returned = 0;
    EC_TRY(ec__jkeys(v, shipping_keys, "shipping", err));
    EC_TRY(ec__jrequire(v, "method", &f, err));
    EC_TRY(ec__jid(f, "method", &method, &n, err));
    EC_TRY(req_money(v, "total", e, &total, err));
    EC_TRY(req_money(v, "tax", e, &tax, err));
    EC_TRY(opt_bool(v, "returned", &returned, err));
    return ec__order_set_shipping(o, method, n, total, tax, returned, err);
}

static ec_status read_shipping(ec_order *o, const cJSON *doc, int32_t e, ec_error *err)
{
    const cJSON *v = ec__jget(doc, "shipping");
    return v ? prefixed(read_shipping_doc(o, v, e, err), "shipping", err) : EC_OK;
}

static ec_status read_promotion(ec_order *o, const cJSON *v, int32_t e, ec_error *err)
{
    const cJSON *f = NULL;
    const char *id = NULL;
    size_t n = 0;
    int64_t amount = 0;
    EC_TRY(ec__jkeys(v, promotion_keys, "a promotion", err));
    EC_TRY(ec__jrequire(v, "id", &f, err));
    EC_TRY(ec__jid(f, "id", &id, &n, err));
    EC_TRY(req_money(v, "amount", e, &amount, err));
    return ec__order_push_promo(o, id, n, amount, 0, err);
}

static ec_status read_coupon(ec_order *o, const cJSON *v, ec_error *err)
{
    const char *code = NULL;
    size_t n = 0;
    EC_TRY(ec__jid(v, "", &code, &n, err));
    return ec__order_push_promo(o, code, n, 0, 1, err);
}

static ec_status read_promotions(ec_order *o, const cJSON *doc, int32_t e, ec_error *err)
{
    const cJSON *f = NULL;
    size_t n = 0;
    if ((f = ec__jget(doc, "promotions"))) {
        EC_TRY(ec__jarray(f, "promotions", EC_ORDER_MAX_PROMOTIONS, &n, err));
        EACH(f, "promotions", i, p, err, read_promotion(o, p, e, err));
    }
    if ((f = ec__jget(doc, "coupons"))) {
        EC_TRY(ec__jarray(f, "coupons", EC_ORDER_MAX_PROMOTIONS, &n, err));
        EACH(f, "coupons", i, c, err, read_coupon(o, c, err));
    }
    return EC_OK;
}

static ec_status read_payment(ec_order *o, const cJSON *doc, int32_t e, ec_error *err)
{
    const cJSON *v = ec__jget(doc, "payment");
    if (!v) return EC_OK;
    ec_status st = ec__jkeys(v, payment_keys, "payment", err);
    if (st == EC_OK) st = opt_money(v, "authorized", e, &o->m.authorized, err);
    if (st == EC_OK) st = opt_money(v, "captured", e, &o->m.captured, err);
    if (st == EC_OK) st = opt_money(v, "refunded", e, &o->m.refunded, err);
    return prefixed(st, "payment", err);
}

static ec_status read_history_entry(const cJSON *v, const char **s, int64_t *at, ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, history_keys, "a history entry", err));
    for (int k = 0; k < 4; k++) EC_TRY(req_string(v, history_keys[k], &s[k], err));
    EC_TRY(ec__jrequire(v, "at", &f, err));
    return ec__jtime(f, "at", at, err);
}

static ec_status read_history(ec_order *o, const cJSON *doc, ec_error *err)
{
    const cJSON *f = ec__jget(doc, "history");
    size_t n = 0;
    if (!f) return EC_OK;
    EC_TRY(ec__jarray(f, "history", EC_ORDER_MAX_HISTORY, &n, err));
    uint32_t i = 0;
    for (const cJSON *h = f->child; h; h = h->next, i++) {
        const char *s[4] = {NULL, NULL, NULL, NULL};
        int64_t at = 0;
        ec_status st = read_history_entry(h, s, &at, err);
        if (st != EC_OK) return entry_fail(st, "history", i, err);
        EC_TRY(ec_order_add_history(o, s[0], s[1], s[2], s[3], at, err));
    }
    return EC_OK;
}

static ec_status read_order_head(ec_order *o, const cJSON *doc, ec_error *err)
{
    const cJSON *f = NULL;
    const char *s = NULL;
    int64_t version = 0;
    int include_tax = 0;
    EC_TRY(ec__jkeys(doc, order_keys, "the order", err));
    EC_TRY(req_string(doc, "id", &s, err));
    EC_TRY(ec_order_set_id(o, s, err));
    EC_TRY(req_string(doc, "state", &s, err));
    EC_TRY(ec_order_set_state(o, s, err));
    EC_TRY(opt_int(doc, "version", EC_ORDER_MAX_VERSION, &version, err));
    EC_TRY(ec_order_set_version(o, version, err));
    EC_TRY(req_string(doc, "currency", &s, err));
    o->currency = ec_currency_find(s, strlen(s));
    EC_FAIL_IF(o->currency < 0, err, EC_UNKNOWN_CURRENCY, "currency",
               "\"%.16s\" is not an active ISO 4217 currency code", s);
    if ((f = ec__jget(doc, "created_at"))) {
        EC_TRY(ec__jtime(f, "created_at", &o->created_at, err));
        o->has_created_at = 1;
    }
    EC_TRY(opt_bool(doc, "prices_include_tax", &include_tax, err));
    o->include_tax = include_tax ? 1 : 0;
    return EC_OK;
}

static ec_status read_totals(ec_order *o, const cJSON *doc, int32_t e, ec_error *err)
{
    EC_TRY(req_money(doc, "subtotal", e, &o->subtotal, err));
    EC_TRY(req_money(doc, "discount", e, &o->discount, err));
    EC_TRY(req_money(doc, "tax", e, &o->tax, err));
    return req_money(doc, "total", e, &o->m.total, err);
}

/* The fees kept on returns are what the balance says beyond the value of
 * what left: they cannot be negative, nor exceed what the returned units
 * were worth (each return keeps at most the value of its units). */
static ec_status read_balance(ec_order *o, const cJSON *doc, int32_t e, ec_error *err)
{
    int64_t left = o->shipping_left ? o->ship_total : 0, returned = 0, balance = 0;
    for (uint32_t i = 0; i < o->nlines; i++) {
        left += ec__oline_value(&o->lines[i], o->lines[i].canceled + o->lines[i].returned);
        returned += ec__oline_returned_cap(&o->lines[i]);
    }
    o->m.left = left;
    if (!ec__jget(doc, "balance")) return EC_OK;
    EC_TRY(req_money(doc, "balance", e, &balance, err));
    int64_t fees = balance - (o->m.total - left);
    EC_FAIL_IF(fees < 0 || balance > o->m.total || fees > returned, err, EC_INVALID_FIELD,
               "balance",
               "balance must be the total less what left the order, plus any return fees kept");
    o->m.fees = fees;
    return EC_OK;
}

/* Derived fields, when present, must say what the rest of the document
 * says. */
static ec_status check_derived(const ec_order *o, const cJSON *doc, int32_t e, ec_error *err)
{
    const cJSON *pay = ec__jget(doc, "payment"), *f = NULL;
    int64_t v = 0;
    if (pay && (f = ec__jget(pay, "amount_due"))) {
        EC_TRY(ec__jmoney(f, "payment.amount_due", e, &v, err));
        EC_FAIL_IF(v != ec__omoney_due(&o->m), err, EC_INVALID_FIELD, "payment.amount_due",
                   "amount_due must be the balance less what was paid");
    }
    if (pay && (f = ec__jget(pay, "refund_due"))) {
        EC_TRY(ec__jmoney(f, "payment.refund_due", e, &v, err));
        EC_FAIL_IF(v != ec__omoney_refund_due(&o->m), err, EC_INVALID_FIELD, "payment.refund_due",
                   "refund_due must be what was paid beyond the balance");
    }
    const char *want = ec_order_payment_status_name(ec__omoney_status(&o->m));
    EC_FAIL_IF(pay && (f = ec__jget(pay, "status")) &&
                   !(cJSON_IsString(f) && strcmp(f->valuestring, want) == 0),
               err, EC_INVALID_FIELD, "payment.status", "the payment status is %s", want);
    want = ec_order_fulfillment_name(ec__order_fulfillment_of(o, NULL, EC__OKIND_OTHER));
    EC_FAIL_IF((f = ec__jget(doc, "fulfillment")) &&
                   !(cJSON_IsString(f) && strcmp(f->valuestring, want) == 0),
               err, EC_INVALID_FIELD, "fulfillment", "the fulfillment is %s", want);
    return EC_OK;
}

static ec_status read_order(ec_order *o, const cJSON *doc, ec_error *err)
{
    EC_TRY(read_order_head(o, doc, err));
    int32_t e = ec_currency_exponent(o->currency);
    EC_TRY(read_lines(o, doc, e, err));
    EC_TRY(read_shipping(o, doc, e, err));
    EC_TRY(read_totals(o, doc, e, err));
    EC_TRY(read_promotions(o, doc, e, err));
    EC_TRY(read_payment(o, doc, e, err));
    EC_TRY(read_history(o, doc, err));
    EC_TRY(ec__order_check(o, err));
    EC_TRY(read_balance(o, doc, e, err));
    return check_derived(o, doc, e, err);
}

ec_status ec_order_from_json(ec_order *o, const char *json, size_t len, ec_error *err)
{
    EC_FAIL_IF(!o, err, EC_MISUSE, NULL, "order is NULL");
    ec_order_reset(o);
    cJSON *doc = NULL;
    EC_TRY(ec__jparse(json, len, &doc, err));
    ec_status st = read_order(o, doc, err);
    cJSON_Delete(doc);
    if (st != EC_OK) ec_order_reset(o);
    return st;
}

/* ==== event ================================================================== */

static const char *const event_keys[] = {
    "id", "type", "at", "amount", "fee", "shipping", "lines", "expected_version", NULL};
static const char *const event_line_keys[] = {"sku", "quantity", NULL};

static ec_status read_event_line(const cJSON *v, const char **sku, int64_t *q, ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, event_line_keys, "a line", err));
    EC_TRY(req_string(v, "sku", sku, err));
    EC_TRY(ec__jrequire(v, "quantity", &f, err));
    return ec__jint(f, "quantity", 1, EC_ORDER_MAX_QUANTITY, q, err);
}

static ec_status read_event_lines(ec_order_event *ev, const cJSON *arr, ec_error *err)
{
    uint32_t i = 0;
    for (const cJSON *l = arr->child; l; l = l->next, i++) {
        const char *sku = NULL;
        int64_t q = 0;
        ec_status st = read_event_line(l, &sku, &q, err);
        if (st != EC_OK) return entry_fail(st, "lines", i, err);
        EC_TRY(ec_order_event_add_line(ev, sku, q, err));
    }
    return EC_OK;
}

/* amount and fee are read in the order's currency. */
static ec_status read_event_money(ec_order_event *ev, const cJSON *doc, const char *currency,
                                  ec_error *err)
{
    const cJSON *amount = ec__jget(doc, "amount"), *fee = ec__jget(doc, "fee");
    int64_t v = 0;
    if (!amount && !fee) return EC_OK;
    EC_FAIL_IF(!currency, err, EC_MISUSE, amount ? "amount" : "fee",
               "an amount is read in the order's currency, and none was given");
    int32_t cur = ec_currency_find(currency, strlen(currency));
    EC_FAIL_IF(cur < 0, err, EC_UNKNOWN_CURRENCY, NULL, "\"%.16s\" is not a currency code",
               currency);
    if (amount) {
        EC_TRY(ec__jmoney(amount, "amount", ec_currency_exponent(cur), &v, err));
        EC_TRY(ec_order_event_set_amount(ev, v, err));
    }
    if (!fee) return EC_OK;
    EC_TRY(ec__jmoney(fee, "fee", ec_currency_exponent(cur), &v, err));
    return ec_order_event_set_fee(ev, v, err);
}

static ec_status read_event(ec_order_event *ev, const cJSON *doc, const char *currency,
                            ec_error *err)
{
    const cJSON *f = NULL;
    const char *s = NULL;
    int64_t v = 0;
    size_t n = 0;
    int b = 0;
    EC_TRY(ec__jkeys(doc, event_keys, "the event", err));
    EC_TRY(req_string(doc, "id", &s, err));
    EC_TRY(ec_order_event_set_id(ev, s, err));
    EC_TRY(req_string(doc, "type", &s, err));
    EC_TRY(ec_order_event_set_type(ev, s, err));
    if ((f = ec__jget(doc, "at"))) {
        EC_TRY(ec__jtime(f, "at", &v, err));
        EC_TRY(ec_order_event_set_at(ev, v, err));
    }
    EC_TRY(read_event_money(ev, doc, currency, err));
    if ((f = ec__jget(doc, "shipping"))) {
        EC_TRY(ec__jbool(f, "shipping", &b, err));
        EC_TRY(ec_order_event_set_shipping(ev, b, err));
    }
    if ((f = ec__jget(doc, "lines"))) {
        EC_TRY(ec__jarray(f, "lines", EC_ORDER_MAX_LINES, &n, err));
        EC_FAIL_IF(n == 0, err, EC_INVALID_FIELD, "lines",
                   "lines must not be empty: leave it out to take every line");
        EC_TRY(read_event_lines(ev, f, err));
    }
    if (!(f = ec__jget(doc, "expected_version"))) return EC_OK;
    EC_TRY(ec__jint(f, "expected_version", 0, EC_ORDER_MAX_VERSION, &v, err));
    return ec_order_event_set_expected_version(ev, v, err);
}

ec_status ec_order_event_from_json(ec_order_event *ev, const char *json, size_t len,
                                   const char *currency, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    ec_order_event_reset(ev);
    cJSON *doc = NULL;
    EC_TRY(ec__jparse(json, len, &doc, err));
    ec_status st = read_event(ev, doc, currency, err);
    cJSON_Delete(doc);
    if (st != EC_OK) ec_order_event_reset(ev);
    return st;
}
