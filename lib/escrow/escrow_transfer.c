/* escrow_transfer.c - a transfer's content: the builder, its checks and
 * its accessors.
 *
 * Every setter validates what it is given, so that a caller filling a
 * transfer from a document learns which field is wrong. */
#include <string.h>

#include "escrow/escrow_internal.h"

/* The instants an RFC 3339 time with a four-digit year can name, so that a
 * transfer's time can always be written in a document. */
#define TIME_MIN INT64_C(-62167219200000000)
#define TIME_MAX INT64_C(253402300799999999)

static const char *const status_names[] = {"pending", "delivered", "credited", "canceled"};
static const char *const kind_names[] = {"transfer", "recovery"};

const char *ec_escrow_status_name(int32_t status)
{
    return status >= 0 && status < 4 ? status_names[status] : NULL;
}

const char *ec_escrow_kind_name(int32_t kind)
{
    return kind >= 0 && kind < 2 ? kind_names[kind] : NULL;
}

int ec__esc_time_ok(int64_t us)
{
    return us >= TIME_MIN && us <= TIME_MAX;
}

ec_status ec__esc_name_set(ec__esc_name out, const char *s, const char *field, ec_error *err)
{
    size_t n = s ? strnlen(s, EC__ID_MAX + 1) : 0;
    EC_FAIL_IF(!s, err, EC_INVALID_FIELD, field, "%s is required", field);
    EC_FAIL_IF(!ec__id_valid(s, n), err, EC_INVALID_FIELD, field,
               "%s must be 1 to 128 bytes of UTF-8 without control characters", field);
    memcpy(out, s, n);
    out[n] = '\0';
    return EC_OK;
}

ec_escrow_transfer *ec_escrow_transfer_new(void)
{
    return ec_escrow_transfer_new_ex(NULL);
}

ec_escrow_transfer *ec_escrow_transfer_new_ex(const ec_allocator *alloc)
{
    ec_escrow_transfer *t = ec__calloc(alloc, 1, sizeof *t);
    if (!t) return NULL;
    if (alloc) {
        t->alloc_copy = *alloc;
        t->alloc = &t->alloc_copy;
    }
    return t;
}

void ec_escrow_transfer_free(ec_escrow_transfer *t)
{
    if (!t) return;
    ec__dealloc(t->alloc, t->lines);
    ec_allocator copy = t->alloc_copy;
    ec__dealloc(t->alloc ? &copy : NULL, t);
}

void ec_escrow_transfer_reset(ec_escrow_transfer *t)
{
    if (!t) return;
    t->set = 0;
    t->id[0] = t->from[0] = t->to[0] = t->sku[0] = '\0';
    t->kind = EC_ESCROW_TRANSFER;
    t->at = t->total = 0;
    t->nlines = 0;
}

ec_status ec_escrow_transfer_set(ec_escrow_transfer *t, const char *id, int32_t kind,
                                 const char *from, const char *to, const char *sku, int64_t at_us,
                                 ec_error *err)
{
    EC_FAIL_IF(!t, err, EC_MISUSE, NULL, "transfer is NULL");
    ec__esc_name i, f, o, s;
    EC_TRY(ec__esc_name_set(i, id, "id", err));
    EC_FAIL_IF(!ec_escrow_kind_name(kind), err, EC_INVALID_FIELD, "kind",
               "kind must be transfer or recovery");
    EC_TRY(ec__esc_name_set(f, from, "from", err));
    EC_TRY(ec__esc_name_set(o, to, "to", err));
    EC_FAIL_IF(strcmp(f, o) == 0, err, EC_INVALID_FIELD, "to",
               "a transfer goes to another region than the one it leaves");
    EC_TRY(ec__esc_name_set(s, sku, "sku", err));
    EC_FAIL_IF(!ec__esc_time_ok(at_us), err, EC_INVALID_FIELD, "at",
               "at must lie in the years 0000 to 9999");
    memcpy(t->id, i, sizeof i);
    memcpy(t->from, f, sizeof f);
    memcpy(t->to, o, sizeof o);
    memcpy(t->sku, s, sizeof s);
    t->kind = kind;
    t->at = at_us;
    t->set = 1;
    return EC_OK;
}

static int grow_lines(ec_escrow_transfer *t, size_t need)
{
    if (need <= t->cap) return 1;
    size_t cap = t->cap ? t->cap * 2 : 4;
    while (cap < need) cap *= 2;
    ec__esc_line *v = ec__realloc(t->alloc, t->lines, cap * sizeof *v);
    if (!v) return 0;
    t->lines = v;
    t->cap = cap;
    return 1;
}

ec_status ec_escrow_transfer_add_line(ec_escrow_transfer *t, const char *location, int64_t quantity,
                                      ec_error *err)
{
    EC_FAIL_IF(!t, err, EC_MISUSE, NULL, "transfer is NULL");
    size_t i = t->nlines;
    EC_FAIL_IF(i >= EC_ESCROW_MAX_LINES, err, EC_LIMIT_EXCEEDED, "lines",
               "a transfer has at most %d lines", EC_ESCROW_MAX_LINES);
    ec__esc_name loc;
    ec_status st = ec__esc_name_set(loc, location, "location", err);
    for (size_t k = 0; st == EC_OK && k < i; k++)
        if (strcmp(t->lines[k].location, loc) == 0)
            st = ec__fail(err, EC_INVALID_FIELD, "location", "the location is named twice");
    if (st == EC_OK && (quantity < 1 || quantity > EC_ESCROW_MAX_QUANTITY - t->total))
        st = ec__fail(err, EC_INVALID_FIELD, "quantity",
                      "quantity must be 1 or more, and the transfer's total at most %lld",
                      (long long)EC_ESCROW_MAX_QUANTITY);
    if (st != EC_OK) {
        ec__error_prefix(err, "lines[%zu]", i);
        return st;
    }
    EC_FAIL_IF(!grow_lines(t, i + 1), err, EC_NO_MEMORY, NULL, NULL);
    memcpy(t->lines[i].location, loc, sizeof loc);
    t->lines[i].quantity = quantity;
    t->nlines++;
    t->total += quantity;
    return EC_OK;
}

ec_status ec__esc_transfer_copy(ec_escrow_transfer *dst, const ec_escrow_transfer *src)
{
    if (!grow_lines(dst, src->nlines)) return EC_NO_MEMORY;
    dst->set = src->set;
    memcpy(dst->id, src->id, sizeof dst->id);
    memcpy(dst->from, src->from, sizeof dst->from);
    memcpy(dst->to, src->to, sizeof dst->to);
    memcpy(dst->sku, src->sku, sizeof dst->sku);
    dst->kind = src->kind;
    dst->at = src->at;
    dst->total = src->total;
    if (src->nlines) memcpy(dst->lines, src->lines, src->nlines * sizeof *dst->lines);
    dst->nlines = src->nlines;
    return EC_OK;
}

static int64_t units_at(const ec_escrow_transfer *t, const char *location)
{
    for (size_t i = 0; i < t->nlines; i++)
        if (strcmp(t->lines[i].location, location) == 0) return t->lines[i].quantity;
    return 0;
}

int ec__esc_transfer_same(const ec_escrow_transfer *a, const ec_escrow_transfer *b)
{
    if (strcmp(a->id, b->id) != 0 || a->kind != b->kind || strcmp(a->from, b->from) != 0 ||
        strcmp(a->to, b->to) != 0 || strcmp(a->sku, b->sku) != 0 || a->nlines != b->nlines ||
        a->total != b->total)
        return 0;
    for (size_t i = 0; i < a->nlines; i++)
        if (units_at(b, a->lines[i].location) != a->lines[i].quantity) return 0;
    return 1;
}

ec_status ec__esc_transfer_complete(const ec_escrow_transfer *t, ec_error *err)
{
    EC_FAIL_IF(!t, err, EC_MISUSE, NULL, "transfer is NULL");
    EC_FAIL_IF(!t->set, err, EC_INVALID_FIELD, "id", "the transfer has no id");
    EC_FAIL_IF(!t->nlines, err, EC_INVALID_FIELD, "lines", "the transfer has no lines");
    return EC_OK;
}

/* ---- accessors ------------------------------------------------------------------------- */

static const char *name_of(const ec_escrow_transfer *t, const char *s)
{
    return t && t->set ? s : NULL;
}

const char *ec_escrow_transfer_id(const ec_escrow_transfer *t)
{
    return t ? name_of(t, t->id) : NULL;
}
int32_t ec_escrow_transfer_kind(const ec_escrow_transfer *t)
{
    return t && t->set ? t->kind : -1;
}
const char *ec_escrow_transfer_from(const ec_escrow_transfer *t)
{
    return t ? name_of(t, t->from) : NULL;
}
const char *ec_escrow_transfer_to(const ec_escrow_transfer *t)
{
    return t ? name_of(t, t->to) : NULL;
}
const char *ec_escrow_transfer_sku(const ec_escrow_transfer *t)
{
    return t ? name_of(t, t->sku) : NULL;
}
int64_t ec_escrow_transfer_at(const ec_escrow_transfer *t)
{
    return t && t->set ? t->at : 0;
}
int64_t ec_escrow_transfer_quantity(const ec_escrow_transfer *t)
{
    return t ? t->total : 0;
}
size_t ec_escrow_transfer_line_count(const ec_escrow_transfer *t)
{
    return t ? t->nlines : 0;
}
const char *ec_escrow_transfer_line_location(const ec_escrow_transfer *t, size_t i)
{
    return t && i < t->nlines ? t->lines[i].location : NULL;
}
int64_t ec_escrow_transfer_line_quantity(const ec_escrow_transfer *t, size_t i)
{
    return t && i < t->nlines ? t->lines[i].quantity : 0;
}
