/* order.c - the order object: lifetime, envelope setters, and the storage
 * of its lines, promotions, shipping method and history.
 *
 * The id and state live in fixed buffers (identifiers are at most 128
 * bytes); every other string in one growable pool, so that applying an
 * event appends to memory the order already has instead of allocating per
 * event. */
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
    } kinds[] = {{"authorize", EC__OKIND_AUTHORIZE}, {"capture", EC__OKIND_CAPTURE},
                 {"void", EC__OKIND_VOID},           {"fulfill", EC__OKIND_FULFILL},
                 {"cancel", EC__OKIND_CANCEL},       {"expire", EC__OKIND_EXPIRE},
                 {"return", EC__OKIND_RETURN},       {"refund", EC__OKIND_REFUND}};
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
    ec__dealloc(o->alloc, o->promos);
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
    o->version = o->created_at = 0;
    o->has_created_at = o->include_tax = o->has_shipping = o->shipping_left = 0;
    o->ship_off = o->ship_len = 0;
    o->ship_total = o->ship_tax = 0;
    o->subtotal = o->discount = o->tax = 0;
    memset(&o->m, 0, sizeof o->m);
    o->nlines = o->npromos = o->ncoupons = o->nhist = 0;
    o->pool_len = 0;
}

/* ---- envelope setters ----------------------------------------------------------- */

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

/* ---- the string pool ------------------------------------------------------------ */

int ec__order_pool_reserve(ec_order *o, size_t bytes)
{
    if (o->pool_len + bytes <= o->pool_cap) return 1;
    if (o->pool_len + bytes > UINT32_MAX) return 0;
    size_t cap = o->pool_cap ? o->pool_cap : 256;
    while (cap < o->pool_len + bytes) cap *= 2;
    char *p = ec__realloc(o->alloc, o->pool, cap);
    if (!p) return 0;
    o->pool = p;
    o->pool_cap = cap;
    return 1;
}

uint32_t ec__order_pool_put(ec_order *o, const char *s, size_t n)
{
    uint32_t off = (uint32_t)o->pool_len;
    memcpy(o->pool + o->pool_len, s, n);
    o->pool[o->pool_len + n] = '\0';
    o->pool_len += n + 1;
    return off;
}

/* ---- lines, promotions, shipping ----------------------------------------------------- */

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

ec_status ec__order_push_line(ec_order *o, const char *sku, size_t n, const ec__oline *values,
                              ec_error *err)
{
    EC_FAIL_IF(o->nlines >= EC_ORDER_MAX_LINES, err, EC_LIMIT_EXCEEDED, "lines",
               "an order holds at most %d lines", EC_ORDER_MAX_LINES);
    if (o->nlines == o->lines_cap) EC_TRY(grow_lines(o, err));
    EC_FAIL_IF(!ec__order_pool_reserve(o, n + 1), err, EC_NO_MEMORY, NULL, NULL);
    ec__oline *l = &o->lines[o->nlines++];
    *l = *values;
    l->sku_off = ec__order_pool_put(o, sku, n);
    l->sku_len = (uint32_t)n;
    return EC_OK;
}

ec_status ec__order_push_promo(ec_order *o, const char *id, size_t n, int64_t amount, int coupon,
                               ec_error *err)
{
    const char *what = coupon ? "coupons" : "promotions";
    EC_FAIL_IF((coupon ? o->ncoupons : o->npromos) >= EC_ORDER_MAX_PROMOTIONS, err,
               EC_LIMIT_EXCEEDED, what, "an order holds at most %d %s", EC_ORDER_MAX_PROMOTIONS,
               what);
    uint32_t have = o->npromos + o->ncoupons;
    if (have == o->promos_cap) {
        uint32_t cap = o->promos_cap ? o->promos_cap * 2 : 4;
        ec__opromo *p = ec__realloc(o->alloc, o->promos, cap * sizeof *p);
        EC_FAIL_IF(!p, err, EC_NO_MEMORY, NULL, NULL);
        o->promos = p;
        o->promos_cap = cap;
    }
    EC_FAIL_IF(!ec__order_pool_reserve(o, n + 1), err, EC_NO_MEMORY, NULL, NULL);
    ec__opromo entry = {ec__order_pool_put(o, id, n), (uint32_t)n, amount};
    if (coupon) {
        o->promos[have] = entry;
        o->ncoupons++;
        return EC_OK;
    }
    /* promotions stay ahead of the coupons */
    memmove(&o->promos[o->npromos + 1], &o->promos[o->npromos], o->ncoupons * sizeof entry);
    o->promos[o->npromos++] = entry;
    return EC_OK;
}

ec_status ec__order_set_shipping(ec_order *o, const char *method, size_t n, int64_t total,
                                 int64_t tax, int returned, ec_error *err)
{
    EC_FAIL_IF(!ec__order_pool_reserve(o, n + 1), err, EC_NO_MEMORY, NULL, NULL);
    o->ship_off = ec__order_pool_put(o, method, n);
    o->ship_len = (uint32_t)n;
    o->ship_total = total;
    o->ship_tax = tax;
    o->shipping_left = returned ? 1 : 0;
    o->has_shipping = 1;
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
               "an order keeps at most %d events in its history", EC_ORDER_MAX_HISTORY);
    if (o->nhist == o->hist_cap) {
        uint32_t cap = o->hist_cap ? o->hist_cap * 2 : 8;
        ec__ohist *h = ec__realloc(o->alloc, o->hist, cap * sizeof *h);
        EC_FAIL_IF(!h, err, EC_NO_MEMORY, NULL, NULL);
        o->hist = h;
        o->hist_cap = cap;
    }
    EC_FAIL_IF(!ec__order_pool_reserve(o, bytes), err, EC_NO_MEMORY, NULL, NULL);
    return EC_OK;
}

void ec__order_history_push(ec_order *o, const char *id, size_t id_len, uint64_t hash,
                            const char *event, size_t event_len, const char *from, size_t from_len,
                            const char *to, size_t to_len, int64_t at)
{
    ec__ohist *h = &o->hist[o->nhist++];
    h->id_hash = hash;
    h->at = at;
    h->id_len = (uint8_t)id_len;
    h->event_len = (uint8_t)event_len;
    h->from_len = (uint8_t)from_len;
    h->to_len = (uint8_t)to_len;
    h->off = ec__order_pool_put(o, id, id_len);
    ec__order_pool_put(o, event, event_len);
    ec__order_pool_put(o, from, from_len);
    ec__order_pool_put(o, to, to_len);
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
        if (st == EC_LIMIT_EXCEEDED && err) memcpy(err->field, "history", sizeof "history");
        if (st != EC_NO_MEMORY && st != EC_MISUSE && st != EC_LIMIT_EXCEEDED)
            ec__error_prefix(err, "history[%u]", o->nhist);
        return st;
    }
    ec__order_history_push(o, event_id, lens[0], ec__strhash(event_id, lens[0]), event, lens[1],
                           from, lens[2], to, lens[3], at_us);
    return EC_OK;
}
