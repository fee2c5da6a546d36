/* escrow_ledger.c - a region's ledger of transfers: creating it,
 * restoring saved entries, finding them, and listing what changed.
 *
 * Entries are never removed.  Each owns a copy of its transfer; an index
 * by id finds it.  Adding is two steps, a preparation that takes every
 * resource and a commit that cannot fail, so that an operation can move
 * stock in between and still leave everything as it was on failure. */
#include <string.h>

#include "escrow/escrow_internal.h"

ec_escrow *ec_escrow_new(const char *region)
{
    return ec_escrow_new_ex(region, NULL);
}

ec_escrow *ec_escrow_new_ex(const char *region, const ec_allocator *alloc)
{
    ec__esc_name name;
    if (ec__esc_name_set(name, region, "region", NULL) != EC_OK) return NULL;
    ec_escrow *e = ec__calloc(alloc, 1, sizeof *e);
    if (!e) return NULL;
    if (alloc) {
        e->alloc_copy = *alloc;
        e->alloc = &e->alloc_copy;
    }
    memcpy(e->region, name, sizeof name);
    ec__strmap_init(&e->ids, e->alloc);
    e->changed = e->changed_lost = EC__ESC_NONE;
    return e;
}

void ec_escrow_free(ec_escrow *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n; i++) ec_escrow_transfer_free(e->entries[i].t);
    ec__dealloc(e->alloc, e->entries);
    ec__dealloc(e->alloc, e->lost);
    ec__strmap_free(&e->ids);
    ec_allocator copy = e->alloc_copy;
    ec__dealloc(e->alloc ? &copy : NULL, e);
}

const char *ec_escrow_region(const ec_escrow *e)
{
    return e ? e->region : NULL;
}

uint32_t ec__esc_find(const ec_escrow *e, const char *id)
{
    return ec__strmap_get(&e->ids, id, strlen(id));
}

ec_escrow_transfer *ec__esc_prepare(ec_escrow *e, const ec_escrow_transfer *t)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        if (cap > UINT32_MAX - 1) return NULL;
        ec__esc_entry *v = ec__realloc(e->alloc, e->entries, cap * sizeof *v);
        if (!v) return NULL;
        e->entries = v;
        e->cap = cap;
    }
    if (!ec__strmap_reserve(&e->ids, e->ids.count + 1)) return NULL;
    ec_escrow_transfer *copy = ec_escrow_transfer_new_ex(e->alloc);
    if (copy && ec__esc_transfer_copy(copy, t) != EC_OK) {
        ec_escrow_transfer_free(copy);
        copy = NULL;
    }
    return copy;
}

uint32_t ec__esc_commit(ec_escrow *e, ec_escrow_transfer *copy, int32_t status, int changed)
{
    uint32_t i = (uint32_t)e->n++;
    e->entries[i] = (ec__esc_entry){copy, status, 0, EC__ESC_NONE};
    ec__strmap_put(&e->ids, copy->id, strlen(copy->id), i, NULL); /* room was reserved */
    if (changed) ec__esc_touch(e, i);
    return i;
}

void ec__esc_touch(ec_escrow *e, uint32_t i)
{
    ec__esc_entry *x = &e->entries[i];
    if (x->changed) return;
    x->changed = 1;
    x->next_changed = e->changed;
    e->changed = i;
}

int ec__esc_lost_room(ec_escrow *e)
{
    if (e->nlost < e->caplost) return 1;
    size_t cap = e->caplost ? e->caplost * 2 : 4;
    ec__esc_lost *v = ec__realloc(e->alloc, e->lost, cap * sizeof *v);
    if (!v) return 0;
    e->lost = v;
    e->caplost = cap;
    return 1;
}

void ec__esc_lost_add(ec_escrow *e, const char *region, int changed)
{
    ec__esc_lost *l = &e->lost[e->nlost];
    size_t n = strlen(region);
    memcpy(l->region, region, n + 1);
    l->changed = (uint8_t)changed;
    l->next_changed = changed ? e->changed_lost : EC__ESC_NONE;
    if (changed) e->changed_lost = (uint32_t)e->nlost;
    e->nlost++;
}

int32_t ec_escrow_lost(const ec_escrow *e, const char *region)
{
    for (size_t i = 0; e && region && i < e->nlost; i++)
        if (strcmp(e->lost[i].region, region) == 0) return 1;
    return 0;
}

/* ---- restoring ------------------------------------------------------------------------- */

/* Whether a transfer in this direction may be saved with this status. */
static int status_fits(int outgoing, int32_t status)
{
    return outgoing ? status == EC_ESCROW_PENDING || status == EC_ESCROW_DELIVERED ||
                          status == EC_ESCROW_CANCELED
                    : status == EC_ESCROW_CREDITED;
}

ec_status ec_escrow_restore(ec_escrow *e, const ec_escrow_transfer *t, int32_t status,
                            ec_error *err)
{
    EC_FAIL_IF(!e, err, EC_MISUSE, NULL, "ledger is NULL");
    EC_TRY(ec__esc_transfer_complete(t, err));
    int outgoing = strcmp(t->from, e->region) == 0;
    EC_FAIL_IF(!outgoing && strcmp(t->to, e->region) != 0, err, EC_INVALID_FIELD, "to",
               "the transfer neither leaves nor reaches region \"%s\"", e->region);
    EC_FAIL_IF(!status_fits(outgoing, status), err, EC_INVALID_FIELD, "status",
               "a transfer %s this region cannot be %s", outgoing ? "from" : "to",
               ec_escrow_status_name(status) ? ec_escrow_status_name(status) : "of that status");
    EC_FAIL_IF(ec__esc_find(e, t->id) != EC__ESC_NONE, err, EC_INVALID_FIELD, "id",
               "transfer \"%s\" is in the ledger already", t->id);
    ec_escrow_transfer *copy = ec__esc_prepare(e, t);
    EC_FAIL_IF(!copy, err, EC_NO_MEMORY, NULL, NULL);
    ec__esc_commit(e, copy, status, 0);
    return EC_OK;
}

ec_status ec_escrow_restore_lost(ec_escrow *e, const char *region, ec_error *err)
{
    EC_FAIL_IF(!e, err, EC_MISUSE, NULL, "ledger is NULL");
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, region, "region", err));
    EC_FAIL_IF(strcmp(name, e->region) == 0, err, EC_INVALID_FIELD, "region",
               "a region cannot declare itself lost");
    if (ec_escrow_lost(e, name)) return EC_OK;
    EC_FAIL_IF(!ec__esc_lost_room(e), err, EC_NO_MEMORY, NULL, NULL);
    ec__esc_lost_add(e, name, 0);
    return EC_OK;
}

/* ---- reading --------------------------------------------------------------------------- */

ec_status ec_escrow_find(const ec_escrow *e, const char *id, const ec_escrow_transfer **t,
                         int32_t *status, ec_error *err)
{
    EC_FAIL_IF(!e, err, EC_MISUSE, NULL, "ledger is NULL");
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, id, "id", err));
    uint32_t i = ec__esc_find(e, name);
    EC_FAIL_IF(i == EC__ESC_NONE, err, EC_NOT_FOUND, "id", "no transfer \"%s\" in the ledger",
               name);
    if (t) *t = e->entries[i].t;
    if (status) *status = e->entries[i].status;
    return EC_OK;
}

size_t ec_escrow_count(const ec_escrow *e)
{
    return e ? e->n : 0;
}

int32_t ec_escrow_entry(const ec_escrow *e, size_t i, const ec_escrow_transfer **t, int32_t *status)
{
    if (!e || i >= e->n) return 0;
    if (t) *t = e->entries[i].t;
    if (status) *status = e->entries[i].status;
    return 1;
}

int64_t ec_escrow_in_flight(const ec_escrow *e, const char *sku, const char *to)
{
    int64_t sum = 0;
    for (size_t i = 0; e && sku && i < e->n; i++) {
        const ec__esc_entry *x = &e->entries[i];
        if (x->status == EC_ESCROW_PENDING && strcmp(x->t->sku, sku) == 0 &&
            (!to || strcmp(x->t->to, to) == 0))
            sum += x->t->total;
    }
    return sum;
}

size_t ec_escrow_changed(const ec_escrow *e, size_t cursor, const ec_escrow_transfer **t,
                         int32_t *status)
{
    if (!e || cursor > e->n) return 0;
    uint32_t i = cursor ? e->entries[cursor - 1].next_changed : e->changed;
    if (i == EC__ESC_NONE) return 0;
    if (t) *t = e->entries[i].t;
    if (status) *status = e->entries[i].status;
    return (size_t)i + 1;
}

size_t ec_escrow_changed_lost(const ec_escrow *e, size_t cursor, const char **region)
{
    if (!e || cursor > e->nlost) return 0;
    uint32_t i = cursor ? e->lost[cursor - 1].next_changed : e->changed_lost;
    if (i == EC__ESC_NONE) return 0;
    if (region) *region = e->lost[i].region;
    return (size_t)i + 1;
}

void ec_escrow_clear_changes(ec_escrow *e)
{
    if (!e) return;
    for (uint32_t i = e->changed; i != EC__ESC_NONE; i = e->entries[i].next_changed)
        e->entries[i].changed = 0;
    for (uint32_t i = e->changed_lost; i != EC__ESC_NONE; i = e->lost[i].next_changed)
        e->lost[i].changed = 0;
    e->changed = e->changed_lost = EC__ESC_NONE;
}
