/* order.c - the order object: fields, lines, history storage, accessors.
 *
 * The id and state live in fixed buffers (identifiers are at most 128
 * bytes); line SKUs and the history's strings in one growable pool, so that
 * applying an event appends to memory the order already has instead of
 * allocating per event. */
#include <string.h>

#include "common/internal.h"
#include "common/strmap.h"
#include "ecommerce/money.h"
#include "order/order_internal.h"

int ec__order_time_valid(int64_t at_us)
{
    return at_us >= EC__ORDER_TIME_MIN && at_us <= EC__ORDER_TIME_MAX;
}

ec_status ec__order_name(char *dst, uint32_t *dst_len, const char *s, const char *field,
                         ec_error *err)
{
    EC_FAIL_IF(!s, err, EC_MISUSE, field, "%s is NULL", field);
    size_t n = strlen(s);
    EC_FAIL_IF(!ec__id_valid(s, n), err, EC_INVALID_FIELD, field,
               "%s must be 1 to 128 bytes of UTF-8 without control characters", field);
    memcpy(dst, s, n + 1);
    *dst_len = (uint32_t)n;
    return EC_OK;
}

uint8_t ec__order_kind(const char *type, size_t len)
{
    static const struct {
        const char *name;
        uint8_t kind;
    } kinds[] = {{"authorize", EC__OKIND_AUTHORIZE},
                 {"capture", EC__OKIND_CAPTURE},
                 {"fulfill", EC__OKIND_FULFILL},
                 {"request_return", EC__OKIND_RETURN}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i].name) == len && memcmp(kinds[i].name, type, len) == 0)
            return kinds[i].kind;
    return EC__OKIND_OTHER;
}

/* ---- lifetime --------------------------------------------------------------- */

ec_order *ec_order_new(void)
{
    return ec_order_new_ex(NULL);
}

ec_order *ec_order_new_ex(const ec_allocator *alloc)
{
    ec_order *o = ec__calloc(alloc, 1, sizeof *o);
    if (!o) return NULL;
    if (alloc) {
        o->alloc_copy = *alloc;
        o->alloc = &o->alloc_copy;
    }
    o->currency = -1;
    return o;
}

void ec_order_free(ec_order *o)
{
    if (!o) return;
    ec__dealloc(o->alloc, o->lines);
    ec__dealloc(o->alloc, o->delta);
    ec__dealloc(o->alloc, o->hist);
    ec__dealloc(o->alloc, o->pool);
    ec_allocator copy = o->alloc_copy;
    ec__dealloc(o->alloc ? &copy : NULL, o);
}

void ec_order_reset(ec_order *o)
{
    if (!o) return;
    o->id_len = o->state_len = 0;
    o->id[0] = o->state[0] = '\0';
    o->currency = -1;
    o->version = o->total = o->authorized = o->captured = o->refunded = 0;
    o->nlines = o->nhist = 0;
    o->pool_len = 0;
}

/* ---- setters ------------------------------------------------------------------ */

ec_status ec_order_set_id(ec_order *o, const char *id, ec_error *err)
{
    EC_FAIL_IF(!o, err, EC_MISUSE, NULL, "order is NULL");
    return ec__order_name(o->id, &o->id_len, id, "id", err);
}

ec_status ec_order_set_state(ec_order *o, const char *state, ec_error *err)
{
    EC_FAIL_IF(!o, err, EC_MISUSE, NULL, "order is NULL");
    return ec__order_name(o->state, &o->state_len, state, "state", err);
}

ec_status ec_order_set_version(ec_order *o, int64_t version, ec_error *err)
{
    EC_FAIL_IF(!o, err, EC_MISUSE, NULL, "order is NULL");
    EC_FAIL_IF(version < 0 || version > EC_ORDER_MAX_VERSION, err, EC_INVALID_FIELD, "version",
               "version must be an integer from 0 to %lld", (long long)EC_ORDER_MAX_VERSION);
    o->version = version;
    return EC_OK;
}

ec_status ec_order_set_currency(ec_order *o, const char *code, ec_error *err)
{
    EC_FAIL_IF(!o || !code, err, EC_MISUSE, "currency", "order and code are required");
    int32_t cur = ec_currency_find(code, strlen(code));
    EC_FAIL_IF(cur < 0, err, EC_UNKNOWN_CURRENCY, "currency",
               "\"%.16s\" is not an active ISO 4217 currency code", code);
    o->currency = cur;
    return EC_OK;
}

ec_status ec_order_set_total(ec_order *o, int64_t total, ec_error *err)
{
    EC_FAIL_IF(!o, err, EC_MISUSE, NULL, "order is NULL");
    EC_FAIL_IF(total < 0, err, EC_INVALID_FIELD, "total", "total must not be negative");
    o->total = total;
    return EC_OK;
}

ec_status ec_order_set_payment(ec_order *o, int64_t authorized, int64_t captured, int64_t refunded,
                               ec_error *err)
{
    EC_FAIL_IF(!o, err, EC_MISUSE, NULL, "order is NULL");
    EC_FAIL_IF(authorized < 0, err, EC_INVALID_FIELD, "payment.authorized",
               "payment.authorized must not be negative");
    EC_FAIL_IF(captured < 0, err, EC_INVALID_FIELD, "payment.captured",
               "payment.captured must not be negative");
    EC_FAIL_IF(refunded < 0 || refunded > captured, err, EC_INVALID_FIELD, "payment.refunded",
               "payment.refunded must be from 0 to payment.captured");
    o->authorized = authorized;
    o->captured = captured;
    o->refunded = refunded;
    return EC_OK;
}

/* ---- the string pool ------------------------------------------------------------ */

/* Room for `bytes` more: 0 when out of memory (the pool unchanged). */
static int pool_reserve(ec_order *o, size_t bytes)
{
    if (o->pool_len + bytes <= o->pool_cap) return 1;
    size_t cap = o->pool_cap ? o->pool_cap : 256;
    while (cap < o->pool_len + bytes) cap *= 2;
    char *p = ec__realloc(o->alloc, o->pool, cap);
    if (!p) return 0;
    o->pool = p;
    o->pool_cap = cap;
    return 1;
}

static void pool_put(ec_order *o, const char *s, size_t n)
{
    memcpy(o->pool + o->pool_len, s, n);
    o->pool[o->pool_len + n] = '\0';
    o->pool_len += n + 1;
}

/* ---- lines ------------------------------------------------------------------------- */

int32_t ec__order_find_line(const ec_order *o, const char *sku, size_t len)
{
    for (uint32_t i = 0; i < o->nlines; i++)
        if (o->lines[i].sku_len == len && memcmp(ec__order_sku(o, i), sku, len) == 0)
            return (int32_t)i;
    return -1;
}

/* Lines and apply's per-line scratch grow together. */
static ec_status grow_lines(ec_order *o, ec_error *err)
{
    uint32_t cap = o->lines_cap ? o->lines_cap * 2 : 8;
    if (cap > EC_ORDER_MAX_LINES) cap = EC_ORDER_MAX_LINES;
    ec__oline *lines = ec__realloc(o->alloc, o->lines, cap * sizeof *lines);
    if (!lines) return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    o->lines = lines;
    int64_t *delta = ec__realloc(o->alloc, o->delta, cap * sizeof *delta);
    if (!delta) return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    o->delta = delta;
    o->lines_cap = cap;
    return EC_OK;
}

static ec_status check_line(const ec_order *o, const char *sku, size_t n, int64_t quantity,
                            int64_t fulfilled, int64_t returned, const char **what, ec_error *err)
{
    *what = "sku";
    EC_FAIL_IF(!ec__id_valid(sku, n), err, EC_INVALID_FIELD, NULL,
               "sku must be 1 to 128 bytes of UTF-8 without control characters");
    EC_FAIL_IF(ec__order_find_line(o, sku, n) >= 0, err, EC_INVALID_FIELD, NULL,
               "SKU %.128s is already a line of the order", sku);
    *what = "quantity";
    EC_FAIL_IF(quantity < 1 || quantity > EC_ORDER_MAX_QUANTITY, err, EC_INVALID_FIELD, NULL,
               "quantity must be an integer from 1 to %d", EC_ORDER_MAX_QUANTITY);
    *what = "fulfilled";
    EC_FAIL_IF(fulfilled < 0 || fulfilled > quantity, err, EC_INVALID_FIELD, NULL,
               "fulfilled must be from 0 to the quantity %lld", (long long)quantity);
    *what = "returned";
    EC_FAIL_IF(returned < 0 || returned > fulfilled, err, EC_INVALID_FIELD, NULL,
               "returned must be from 0 to fulfilled (%lld)", (long long)fulfilled);
    return EC_OK;
}

ec_status ec_order_add_line(ec_order *o, const char *sku, int64_t quantity, int64_t fulfilled,
                            int64_t returned, ec_error *err)
{
    EC_FAIL_IF(!o || !sku, err, EC_MISUSE, NULL, "order and sku are required");
    uint32_t i = o->nlines;
    EC_FAIL_IF(i >= EC_ORDER_MAX_LINES, err, EC_LIMIT_EXCEEDED, "lines",
               "an order holds at most %d lines", EC_ORDER_MAX_LINES);
    size_t n = strlen(sku);
    const char *what = "";
    ec_status st = check_line(o, sku, n, quantity, fulfilled, returned, &what, err);
    if (st != EC_OK) {
        ec__error_field(err, "lines[%u].%s", i, what);
        return st;
    }
    if (i == o->lines_cap) EC_TRY(grow_lines(o, err));
    EC_FAIL_IF(!pool_reserve(o, n + 1), err, EC_NO_MEMORY, NULL, NULL);
    o->lines[i] = (ec__oline){(uint32_t)o->pool_len, (uint32_t)n, quantity, fulfilled, returned};
    pool_put(o, sku, n);
    o->nlines = i + 1;
    return EC_OK;
}

/* ---- history ------------------------------------------------------------------- */

const char *ec__order_hist_str(const ec_order *o, size_t i, int which)
{
    const ec__ohist *h = &o->hist[i];
    const char *p = o->pool + h->off;
    const uint8_t lens[3] = {h->id_len, h->event_len, h->from_len};
    for (int k = 0; k < which; k++) p += lens[k] + 1;
    return p;
}

int ec__order_has_event(const ec_order *o, const char *id, size_t len, uint64_t hash)
{
    for (uint32_t i = 0; i < o->nhist; i++) {
        const ec__ohist *h = &o->hist[i];
        if (h->id_hash == hash && h->id_len == len && memcmp(o->pool + h->off, id, len) == 0)
            return 1;
    }
    return 0;
}

ec_status ec__order_history_reserve(ec_order *o, size_t bytes, ec_error *err)
{
    EC_FAIL_IF(o->nhist >= EC_ORDER_MAX_HISTORY, err, EC_LIMIT_EXCEEDED, "order.history",
               "an order keeps at most %d history entries", EC_ORDER_MAX_HISTORY);
    if (o->nhist == o->hist_cap) {
        uint32_t cap = o->hist_cap ? o->hist_cap * 2 : 8;
        ec__ohist *h = ec__realloc(o->alloc, o->hist, cap * sizeof *h);
        EC_FAIL_IF(!h, err, EC_NO_MEMORY, NULL, NULL);
        o->hist = h;
        o->hist_cap = cap;
    }
    EC_FAIL_IF(!pool_reserve(o, bytes), err, EC_NO_MEMORY, NULL, NULL);
    return EC_OK;
}

void ec__order_history_push(ec_order *o, const char *id, size_t id_len, uint64_t hash,
                            const char *event, size_t event_len, const char *from, size_t from_len,
                            const char *to, size_t to_len, int64_t at)
{
    ec__ohist *h = &o->hist[o->nhist++];
    h->id_hash = hash;
    h->at = at;
    h->off = (uint32_t)o->pool_len;
    h->id_len = (uint8_t)id_len;
    h->event_len = (uint8_t)event_len;
    h->from_len = (uint8_t)from_len;
    h->to_len = (uint8_t)to_len;
    pool_put(o, id, id_len);
    pool_put(o, event, event_len);
    pool_put(o, from, from_len);
    pool_put(o, to, to_len);
}

static ec_status check_history(const ec_order *o, const char *const names[4], size_t lens[4],
                               int64_t at, ec_error *err)
{
    static const char *const keys[4] = {"event_id", "event", "from", "to"};
    for (int k = 0; k < 4; k++) {
        EC_FAIL_IF(!names[k], err, EC_MISUSE, NULL, "%s is NULL", keys[k]);
        lens[k] = strlen(names[k]);
        EC_FAIL_IF(!ec__id_valid(names[k], lens[k]), err, EC_INVALID_FIELD, keys[k],
                   "%s must be 1 to 128 bytes of UTF-8 without control characters", keys[k]);
    }
    EC_FAIL_IF(ec__order_has_event(o, names[0], lens[0], ec__strhash(names[0], lens[0])), err,
               EC_INVALID_FIELD, "event_id", "event id %.128s appears twice in the history",
               names[0]);
    EC_FAIL_IF(!ec__order_time_valid(at), err, EC_INVALID_FIELD, "at",
               "at must lie in the years 0000 to 9999 (UTC)");
    return EC_OK;
}

ec_status ec_order_add_history(ec_order *o, const char *event_id, const char *event,
                               const char *from, const char *to, int64_t at_us, ec_error *err)
{
    EC_FAIL_IF(!o, err, EC_MISUSE, NULL, "order is NULL");
    const char *names[4] = {event_id, event, from, to};
    size_t lens[4] = {0, 0, 0, 0};
    ec_status st = check_history(o, names, lens, at_us, err);
    if (st == EC_OK)
        st = ec__order_history_reserve(o, lens[0] + lens[1] + lens[2] + lens[3] + 4, err);
    if (st != EC_OK) {
        if (st != EC_NO_MEMORY && st != EC_MISUSE) ec__error_prefix(err, "history[%u]", o->nhist);
        return st;
    }
    ec__order_history_push(o, event_id, lens[0], ec__strhash(event_id, lens[0]), event, lens[1],
                           from, lens[2], to, lens[3], at_us);
    return EC_OK;
}

/* ---- accessors ------------------------------------------------------------------ */

const char *ec_order_id(const ec_order *o)
{
    return o && o->id_len ? o->id : NULL;
}
const char *ec_order_state(const ec_order *o)
{
    return o && o->state_len ? o->state : NULL;
}
int64_t ec_order_version(const ec_order *o)
{
    return o ? o->version : 0;
}
int64_t ec_order_total(const ec_order *o)
{
    return o ? o->total : 0;
}
int64_t ec_order_payment_authorized(const ec_order *o)
{
    return o ? o->authorized : 0;
}
int64_t ec_order_payment_captured(const ec_order *o)
{
    return o ? o->captured : 0;
}
int64_t ec_order_payment_refunded(const ec_order *o)
{
    return o ? o->refunded : 0;
}
size_t ec_order_line_count(const ec_order *o)
{
    return o ? o->nlines : 0;
}
size_t ec_order_history_count(const ec_order *o)
{
    return o ? o->nhist : 0;
}

const char *ec_order_currency(const ec_order *o)
{
    return o && o->currency >= 0 ? ec_currency_code(o->currency) : NULL;
}

int32_t ec_order_exponent(const ec_order *o)
{
    return o && o->currency >= 0 ? ec_currency_exponent(o->currency) : -1;
}

static const ec__oline *line_at(const ec_order *o, size_t i)
{
    return o && i < o->nlines ? &o->lines[i] : NULL;
}

const char *ec_order_line_sku(const ec_order *o, size_t i)
{
    return line_at(o, i) ? ec__order_sku(o, (uint32_t)i) : NULL;
}

int64_t ec_order_line_quantity(const ec_order *o, size_t i)
{
    const ec__oline *l = line_at(o, i);
    return l ? l->quantity : 0;
}

int64_t ec_order_line_fulfilled(const ec_order *o, size_t i)
{
    const ec__oline *l = line_at(o, i);
    return l ? l->fulfilled : 0;
}

int64_t ec_order_line_returned(const ec_order *o, size_t i)
{
    const ec__oline *l = line_at(o, i);
    return l ? l->returned : 0;
}

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
