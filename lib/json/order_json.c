/* order_json.c - the machine, order and event documents of formats.md 4
 * into the typed objects of order.h.
 *
 * The codec checks the shape of each value (types, unknown keys, money
 * syntax) and hands the values to the typed setters, which check the rules
 * (identifiers, ranges, names of guards and effects); either side's error
 * is given the full path here, in document order. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "ecommerce/order.h"
#include "json/read.h"

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

static const char *const order_keys[] = {"id",    "state",   "version", "currency", "total",
                                         "lines", "payment", "history", NULL};
static const char *const line_keys[] = {"sku", "quantity", "fulfilled", "returned", NULL};
static const char *const payment_keys[] = {"authorized", "captured", "refunded", NULL};
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

/* Failures of the document's shape are named relative to entry i here;
 * the setters name "lines[i].quantity" themselves. */
static ec_status entry_fail(ec_status st, const char *key, uint32_t i, ec_error *err)
{
    if (st != EC_NO_MEMORY) ec__error_prefix(err, "%s[%u]", key, i);
    return st;
}

typedef struct line_doc {
    const char *sku;
    int64_t quantity, fulfilled, returned;
} line_doc;

static ec_status read_line(const cJSON *v, line_doc *d, ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, line_keys, "a line", err));
    EC_TRY(req_string(v, "sku", &d->sku, err));
    EC_TRY(ec__jrequire(v, "quantity", &f, err));
    EC_TRY(ec__jint(f, "quantity", 1, EC_ORDER_MAX_QUANTITY, &d->quantity, err));
    EC_TRY(opt_int(v, "fulfilled", EC_ORDER_MAX_QUANTITY, &d->fulfilled, err));
    return opt_int(v, "returned", EC_ORDER_MAX_QUANTITY, &d->returned, err);
}

static ec_status read_lines(ec_order *o, const cJSON *arr, ec_error *err)
{
    uint32_t i = 0;
    for (const cJSON *l = arr->child; l; l = l->next, i++) {
        line_doc d = {NULL, 0, 0, 0};
        ec_status st = read_line(l, &d, err);
        if (st != EC_OK) return entry_fail(st, "lines", i, err);
        EC_TRY(ec_order_add_line(o, d.sku, d.quantity, d.fulfilled, d.returned, err));
    }
    return EC_OK;
}

static ec_status read_payment(ec_order *o, const cJSON *doc, int32_t exponent, ec_error *err)
{
    const cJSON *v = ec__jget(doc, "payment");
    int64_t a = 0, c = 0, r = 0;
    if (!v) return EC_OK;
    ec_status st = ec__jkeys(v, payment_keys, "payment", err);
    if (st == EC_OK) st = opt_money(v, "authorized", exponent, &a, err);
    if (st == EC_OK) st = opt_money(v, "captured", exponent, &c, err);
    if (st == EC_OK) st = opt_money(v, "refunded", exponent, &r, err);
    if (st != EC_OK) return prefixed(st, "payment", err);
    return ec_order_set_payment(o, a, c, r, err);
}

static ec_status read_history_entry(const cJSON *v, const char **s, int64_t *at, ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, history_keys, "a history entry", err));
    for (int k = 0; k < 4; k++) EC_TRY(req_string(v, history_keys[k], &s[k], err));
    EC_TRY(ec__jrequire(v, "at", &f, err));
    return ec__jtime(f, "at", at, err);
}

static ec_status read_history(ec_order *o, const cJSON *arr, ec_error *err)
{
    uint32_t i = 0;
    for (const cJSON *h = arr->child; h; h = h->next, i++) {
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
    int64_t version = 0, total = 0;
    EC_TRY(ec__jkeys(doc, order_keys, "the order", err));
    EC_TRY(req_string(doc, "id", &s, err));
    EC_TRY(ec_order_set_id(o, s, err));
    EC_TRY(req_string(doc, "state", &s, err));
    EC_TRY(ec_order_set_state(o, s, err));
    EC_TRY(opt_int(doc, "version", EC_ORDER_MAX_VERSION, &version, err));
    EC_TRY(ec_order_set_version(o, version, err));
    EC_TRY(req_string(doc, "currency", &s, err));
    EC_TRY(ec_order_set_currency(o, s, err));
    EC_TRY(ec__jrequire(doc, "total", &f, err));
    EC_TRY(ec__jmoney(f, "total", ec_order_exponent(o), &total, err));
    return ec_order_set_total(o, total, err);
}

static ec_status read_order(ec_order *o, const cJSON *doc, ec_error *err)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(read_order_head(o, doc, err));
    EC_TRY(ec__jrequire(doc, "lines", &f, err));
    EC_TRY(ec__jarray(f, "lines", EC_ORDER_MAX_LINES, &n, err));
    EC_FAIL_IF(n == 0, err, EC_INVALID_FIELD, "lines", "an order needs at least one line");
    EC_TRY(read_lines(o, f, err));
    EC_TRY(read_payment(o, doc, ec_order_exponent(o), err));
    if (!(f = ec__jget(doc, "history"))) return EC_OK;
    EC_TRY(ec__jarray(f, "history", EC_ORDER_MAX_HISTORY, &n, err));
    return read_history(o, f, err);
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

static const char *const event_keys[] = {"id", "type", "at", "amount", "lines", "expected_version",
                                         NULL};
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

static ec_status read_amount(ec_order_event *ev, const cJSON *f, const char *currency,
                             ec_error *err)
{
    int64_t amount = 0;
    EC_FAIL_IF(!currency, err, EC_MISUSE, "amount",
               "an amount is read in the order's currency, and none was given");
    int32_t cur = ec_currency_find(currency, strlen(currency));
    EC_FAIL_IF(cur < 0, err, EC_UNKNOWN_CURRENCY, NULL, "\"%.16s\" is not a currency code",
               currency);
    EC_TRY(ec__jmoney(f, "amount", ec_currency_exponent(cur), &amount, err));
    return ec_order_event_set_amount(ev, amount, err);
}

static ec_status read_event(ec_order_event *ev, const cJSON *doc, const char *currency,
                            ec_error *err)
{
    const cJSON *f = NULL;
    const char *s = NULL;
    int64_t v = 0;
    size_t n = 0;
    EC_TRY(ec__jkeys(doc, event_keys, "the event", err));
    EC_TRY(req_string(doc, "id", &s, err));
    EC_TRY(ec_order_event_set_id(ev, s, err));
    EC_TRY(req_string(doc, "type", &s, err));
    EC_TRY(ec_order_event_set_type(ev, s, err));
    EC_TRY(ec__jrequire(doc, "at", &f, err));
    EC_TRY(ec__jtime(f, "at", &v, err));
    EC_TRY(ec_order_event_set_at(ev, v, err));
    if ((f = ec__jget(doc, "amount"))) EC_TRY(read_amount(ev, f, currency, err));
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
