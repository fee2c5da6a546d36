/* escrow_internal.h - the escrow module's data structures; private.
 *
 * Names are identifiers of at most EC__ID_MAX bytes, so every object keeps
 * them in fixed buffers: a transfer or a ledger entry costs no allocation
 * per name, and copying one cannot fail half-way. */
#ifndef EC_ESCROW_INTERNAL_H
#define EC_ESCROW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/internal.h"
#include "common/strmap.h"
#include "ecommerce/escrow.h"

typedef char ec__esc_name[EC__ID_MAX + 1];

typedef struct ec__esc_line {
    ec__esc_name location;
    int64_t quantity;
} ec__esc_line;

struct ec_escrow_transfer {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    int set; /* ec_escrow_transfer_set succeeded */
    ec__esc_name id, from, to, sku;
    int32_t kind;
    int64_t at;
    int64_t total; /* sum of the lines */
    ec__esc_line *lines;
    size_t nlines, cap;
};

/* Validate a NUL-terminated identifier argument named `field` (at most
 * EC__ID_MAX bytes) and copy it into out. */
ec_status ec__esc_name_set(ec__esc_name out, const char *s, const char *field, ec_error *err);
/* Copy src's content into dst (same lines); EC_NO_MEMORY leaves dst as it
 * was. */
ec_status ec__esc_transfer_copy(ec_escrow_transfer *dst, const ec_escrow_transfer *src);
/* 1 when a and b say the same: id, kind, regions, SKU, and the same units
 * at the same locations in any order (the time of the debit is not part of
 * it: a retry of a debit made again later is the same transfer). */
int ec__esc_transfer_same(const ec_escrow_transfer *a, const ec_escrow_transfer *b);
/* EC_OK when t was set and has lines; else EC_INVALID_FIELD naming what
 * is missing ("id", "lines"). */
ec_status ec__esc_transfer_complete(const ec_escrow_transfer *t, ec_error *err);
/* The bounds of an RFC 3339 time with a four-digit year. */
int ec__esc_time_ok(int64_t us);

/* One transfer the ledger holds. */
typedef struct ec__esc_entry {
    ec_escrow_transfer *t; /* owned */
    int32_t status;
    uint8_t changed;
    uint32_t next_changed; /* the list of changed entries, newest first */
} ec__esc_entry;

typedef struct ec__esc_lost {
    ec__esc_name region;
    uint8_t changed;
    uint32_t next_changed;
} ec__esc_lost;

#define EC__ESC_NONE UINT32_MAX

struct ec_escrow {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec__esc_name region;
    ec__esc_entry *entries;
    size_t n, cap;
    ec__strmap ids; /* id -> entry index; keys are the entries' ids */
    ec__esc_lost *lost;
    size_t nlost, caplost;
    uint32_t changed, changed_lost; /* heads, EC__ESC_NONE when empty */
};

/* The entry of `id`, or EC__ESC_NONE. */
uint32_t ec__esc_find(const ec_escrow *e, const char *id);
/* A copy of t with the room to add it to the ledger (array and index):
 * NULL when out of memory, and then nothing changed.  The copy is either
 * added by ec__esc_commit() or freed with ec_escrow_transfer_free(). */
ec_escrow_transfer *ec__esc_prepare(ec_escrow *e, const ec_escrow_transfer *t);
/* Add a prepared copy (taken over) with `status`, marked changed when
 * `changed`; cannot fail.  Returns its index. */
uint32_t ec__esc_commit(ec_escrow *e, ec_escrow_transfer *copy, int32_t status, int changed);
/* Note that entry i changed (idempotent). */
void ec__esc_touch(ec_escrow *e, uint32_t i);
/* Room for one more lost region: 0 when out of memory. */
int ec__esc_lost_room(ec_escrow *e);
/* Add a lost region after ec__esc_lost_room(); cannot fail. */
void ec__esc_lost_add(ec_escrow *e, const char *region, int changed);

#endif /* EC_ESCROW_INTERNAL_H */
