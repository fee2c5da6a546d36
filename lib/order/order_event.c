/* order_event.c - events to apply, and the names of guards, effects and
 * statuses. */
#include <string.h>

#include "common/internal.h"
#include "common/strmap.h"
#include "order/order_internal.h"

/* Line SKUs of one event; 1,000 lines of 128 bytes fit inside. */
#define EVENT_ARENA_LIMIT (1u << 20)

static const char *const guard_names[] = {
#define EC__ORDER_GUARD_NAME(v, name, str) [v] = str,
    EC_ORDER_GUARD_MAP(EC__ORDER_GUARD_NAME)
#undef EC__ORDER_GUARD_NAME
};

static const char *const effect_names[] = {
#define EC__ORDER_EFFECT_NAME(v, name, str) [v] = str,
    EC_ORDER_EFFECT_MAP(EC__ORDER_EFFECT_NAME)
#undef EC__ORDER_EFFECT_NAME
};

const char *ec_order_guard_name(int32_t g)
{
    return g >= 0 && g < EC__ORDER_GUARD_COUNT ? guard_names[g] : NULL;
}

int32_t ec_order_guard_count(void)
{
    return EC__ORDER_GUARD_COUNT;
}

const char *ec_order_effect_name(int32_t e)
{
    return e >= 0 && e < EC__ORDER_EFFECT_COUNT ? effect_names[e] : NULL;
}

int32_t ec_order_effect_count(void)
{
    return EC__ORDER_EFFECT_COUNT;
}

const char *ec_order_payment_status_name(int32_t s)
{
    static const char *const names[] = {
#define EC__ORDER_PAY_NAME(v, name, str) [v] = str,
        EC_ORDER_PAYMENT_STATUS_MAP(EC__ORDER_PAY_NAME)
#undef EC__ORDER_PAY_NAME
    };
    return s >= 0 && s < EC__ORDER_PAYMENT_STATUS_COUNT ? names[s] : NULL;
}

const char *ec_order_fulfillment_name(int32_t s)
{
    static const char *const names[] = {
#define EC__ORDER_FUL_NAME(v, name, str) [v] = str,
        EC_ORDER_FULFILLMENT_MAP(EC__ORDER_FUL_NAME)
#undef EC__ORDER_FUL_NAME
    };
    return s >= 0 && s < EC__ORDER_FULFILLMENT_COUNT ? names[s] : NULL;
}

/* ---- events ----------------------------------------------------------------------- */

ec_order_event *ec_order_event_new(void)
{
    return ec_order_event_new_ex(NULL);
}

ec_order_event *ec_order_event_new_ex(const ec_allocator *alloc)
{
    ec_order_event *ev = ec__calloc(alloc, 1, sizeof *ev);
    if (!ev) return NULL;
    if (alloc) {
        ev->alloc_copy = *alloc;
        ev->alloc = &ev->alloc_copy;
    }
    ec__arena_init(&ev->arena, ev->alloc, EVENT_ARENA_LIMIT);
    return ev;
}

void ec_order_event_free(ec_order_event *ev)
{
    if (!ev) return;
    ec__arena_free(&ev->arena);
    ec__dealloc(ev->alloc, ev->lines);
    ec_allocator copy = ev->alloc_copy;
    ec__dealloc(ev->alloc ? &copy : NULL, ev);
}

void ec_order_event_reset(ec_order_event *ev)
{
    if (!ev) return;
    ec__arena_reset(&ev->arena);
    ev->id_len = ev->type_len = 0;
    ev->id[0] = ev->type[0] = '\0';
    ev->id_hash = 0;
    ev->at = ev->amount = ev->fee = ev->expected_version = 0;
    ev->has_at = ev->has_amount = ev->has_fee = ev->has_shipping = ev->shipping = 0;
    ev->has_expected_version = 0;
    ev->kind = EC__OKIND_OTHER;
    ev->nlines = 0;
}

ec_status ec_order_event_set_id(ec_order_event *ev, const char *id, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    EC_TRY(ec__order_name(ev->id, &ev->id_len, id, "id", err));
    /* hashed once here, so that the duplicate check of every apply is cheap */
    ev->id_hash = ec__strhash(ev->id, ev->id_len);
    return EC_OK;
}

ec_status ec_order_event_set_type(ec_order_event *ev, const char *type, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    EC_TRY(ec__order_name(ev->type, &ev->type_len, type, "type", err));
    ev->kind = ec__order_kind(ev->type, ev->type_len);
    return EC_OK;
}

ec_status ec_order_event_set_at(ec_order_event *ev, int64_t at_us, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    EC_FAIL_IF(!ec__order_time_valid(at_us), err, EC_INVALID_FIELD, "at",
               "at must lie in the years 0000 to 9999 (UTC)");
    ev->at = at_us;
    ev->has_at = 1;
    return EC_OK;
}

ec_status ec_order_event_set_amount(ec_order_event *ev, int64_t amount, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    EC_FAIL_IF(amount < 0, err, EC_INVALID_FIELD, "amount", "amount must not be negative");
    ev->amount = amount;
    ev->has_amount = 1;
    return EC_OK;
}

ec_status ec_order_event_set_fee(ec_order_event *ev, int64_t fee, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    EC_FAIL_IF(fee < 0, err, EC_INVALID_FIELD, "fee", "fee must not be negative");
    ev->fee = fee;
    ev->has_fee = 1;
    return EC_OK;
}

ec_status ec_order_event_set_shipping(ec_order_event *ev, int32_t shipping, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    ev->shipping = shipping ? 1 : 0;
    ev->has_shipping = 1;
    return EC_OK;
}

ec_status ec_order_event_set_expected_version(ec_order_event *ev, int64_t version, ec_error *err)
{
    EC_FAIL_IF(!ev, err, EC_MISUSE, NULL, "event is NULL");
    EC_FAIL_IF(version < 0 || version > EC_ORDER_MAX_VERSION, err, EC_INVALID_FIELD,
               "expected_version", "expected_version must be an integer from 0 to %lld",
               (long long)EC_ORDER_MAX_VERSION);
    ev->expected_version = version;
    ev->has_expected_version = 1;
    return EC_OK;
}

static ec_status event_line_fail(ec_order_event *ev, const char *what, ec_error *err,
                                 const char *msg)
{
    ec__fail(err, EC_INVALID_FIELD, NULL, "%s", msg);
    ec__error_field(err, "lines[%u].%s", ev->nlines, what);
    return EC_INVALID_FIELD;
}

ec_status ec_order_event_add_line(ec_order_event *ev, const char *sku, int64_t quantity,
                                  ec_error *err)
{
    EC_FAIL_IF(!ev || !sku, err, EC_MISUSE, NULL, "event and sku are required");
    EC_FAIL_IF(ev->nlines >= EC_ORDER_MAX_LINES, err, EC_LIMIT_EXCEEDED, "lines",
               "an event holds at most %d lines", EC_ORDER_MAX_LINES);
    size_t n = strlen(sku);
    if (!ec__id_valid(sku, n))
        return event_line_fail(ev, "sku", err,
                               "sku must be 1 to 128 bytes of UTF-8 without control characters");
    if (quantity < 1 || quantity > EC_ORDER_MAX_QUANTITY)
        return event_line_fail(ev, "quantity", err,
                               "quantity must be an integer from 1 to 1000000");
    if (ev->nlines == ev->lines_cap) {
        uint32_t cap = ev->lines_cap ? ev->lines_cap * 2 : 8;
        if (cap > EC_ORDER_MAX_LINES) cap = EC_ORDER_MAX_LINES;
        ec__oevent_line *lines = ec__realloc(ev->alloc, ev->lines, cap * sizeof *lines);
        EC_FAIL_IF(!lines, err, EC_NO_MEMORY, NULL, NULL);
        ev->lines = lines;
        ev->lines_cap = cap;
    }
    char *copy = ec__arena_strndup(&ev->arena, sku, n);
    EC_FAIL_IF(!copy, err, EC_NO_MEMORY, NULL, NULL);
    ev->lines[ev->nlines++] = (ec__oevent_line){copy, (uint32_t)n, quantity};
    return EC_OK;
}

/* ---- accessors -------------------------------------------------------------------- */

const char *ec_order_event_id(const ec_order_event *ev)
{
    return ev && ev->id_len ? ev->id : NULL;
}

const char *ec_order_event_type(const ec_order_event *ev)
{
    return ev && ev->type_len ? ev->type : NULL;
}

int32_t ec_order_event_has_at(const ec_order_event *ev)
{
    return ev ? ev->has_at : 0;
}

int32_t ec_order_event_moves_units(const ec_order_event *ev)
{
    if (!ev) return 0;
    return ev->kind == EC__OKIND_FULFILL || ev->kind == EC__OKIND_CANCEL ||
           ev->kind == EC__OKIND_EXPIRE || ev->kind == EC__OKIND_RETURN;
}

int64_t ec_order_event_at(const ec_order_event *ev)
{
    return ev ? ev->at : 0;
}
int32_t ec_order_event_has_amount(const ec_order_event *ev)
{
    return ev ? ev->has_amount : 0;
}
int64_t ec_order_event_amount(const ec_order_event *ev)
{
    return ev ? ev->amount : 0;
}
int32_t ec_order_event_has_fee(const ec_order_event *ev)
{
    return ev ? ev->has_fee : 0;
}

int64_t ec_order_event_fee(const ec_order_event *ev)
{
    return ev ? ev->fee : 0;
}

int32_t ec_order_event_has_shipping(const ec_order_event *ev)
{
    return ev ? ev->has_shipping : 0;
}

int32_t ec_order_event_shipping(const ec_order_event *ev)
{
    return ev ? ev->shipping : 0;
}

size_t ec_order_event_line_count(const ec_order_event *ev)
{
    return ev ? ev->nlines : 0;
}

int32_t ec_order_event_has_expected_version(const ec_order_event *ev)
{
    return ev ? ev->has_expected_version : 0;
}

int64_t ec_order_event_expected_version(const ec_order_event *ev)
{
    return ev ? ev->expected_version : 0;
}

const char *ec_order_event_line_sku(const ec_order_event *ev, size_t i)
{
    return ev && i < ev->nlines ? ev->lines[i].sku : NULL;
}

int64_t ec_order_event_line_quantity(const ec_order_event *ev, size_t i)
{
    return ev && i < ev->nlines ? ev->lines[i].quantity : 0;
}
