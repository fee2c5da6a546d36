/* inventory_internal.h - the inventory's data structures; private.
 *
 * Layout, chosen for 1,000,000 stock entries and as many live reservations:
 * - names (SKUs, locations, ids, orders) and reservation lines live in an
 *   arena: nothing is ever removed from an inventory, so nothing is freed
 *   before the whole inventory is;
 * - flat arrays of SKUs, locations, stock entries and reservations, indexed
 *   by uint32_t, with hash indexes over them (inventory_table.c);
 * - each SKU threads its stock entries in location-name order (`next`), the
 *   default fill order of reserve and the order of available;
 * - `held` per stock entry counts the quantities of committed reservations
 *   and of active ones that have not lapsed; it changes incrementally;
 * - expiry (inventory_expiry.c): queues of active reservations by
 *   expires_at (one first-in-first-out queue per recent TTL, a min-heap for
 *   the rest), drained lazily up to each operation's `at`.
 *
 * Failure atomicity: an operation first takes every resource it may need
 * (arena copies, array and index capacity) and only then changes anything,
 * with steps that cannot fail.  Memory taken by an operation that then fails
 * for lack of a later resource stays in the arena, unused. */
#ifndef EC_INVENTORY_INTERNAL_H
#define EC_INVENTORY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/arena.h"
#include "common/internal.h"
#include "common/strmap.h"
#include "ecommerce/inventory.h"

#define EC__INV_NONE UINT32_MAX

/* ---- hash index from keys to uint32_t indexes (inventory_table.c) ------------- */
/* Open addressing, linear probing, load <= 1/2.  A slot holds the upper 32
 * bits of the key's hash and index + 1 (0: empty), so a probe compares keys
 * only on a matching tag.  Keys live in the indexed arrays; the caller
 * compares them.  Entries are never removed. */
typedef struct ec__inv_table {
    const ec_allocator *alloc;
    uint64_t *slots;
    size_t mask; /* capacity - 1 */
    size_t count;
} ec__inv_table;

typedef struct ec__inv_probe {
    size_t pos;
    uint32_t tag;
} ec__inv_probe;

void ec__inv_table_init(ec__inv_table *t, const ec_allocator *alloc);
void ec__inv_table_free(ec__inv_table *t);
/* Make room for `extra` more entries; 0 when out of memory. */
int ec__inv_table_reserve(ec__inv_table *t, size_t extra);
/* Insert after a successful reserve; cannot fail. */
void ec__inv_table_insert(ec__inv_table *t, uint64_t hash, uint32_t index);
/* Candidates for hash, one at a time; EC__INV_NONE when exhausted. */
uint32_t ec__inv_table_first(const ec__inv_table *t, uint64_t hash, ec__inv_probe *p);
uint32_t ec__inv_table_next(const ec__inv_table *t, ec__inv_probe *p);

uint64_t ec__inv_hash_pair(uint32_t a, uint32_t b);

/* A growable array: data, length and capacity in elements. */
#define EC__INV_VEC(type)                                                                          \
    struct {                                                                                       \
        type *v;                                                                                   \
        size_t n, cap;                                                                             \
    }

/* ---- the model ---------------------------------------------------------------- */

typedef struct ec__inv_name {
    const char *p;
    uint32_t n;
} ec__inv_name;

/* A key's first bytes, kept next to what a lookup reads anyway: a short
 * key (<= 8 bytes) is confirmed without touching the name itself. */
#define EC__INV_HEAD 8

typedef struct ec__inv_sku {
    ec__inv_name name;
    uint32_t first; /* first stock entry in location-name order */
    uint32_t count; /* its stock entries */
    char head[EC__INV_HEAD];
} ec__inv_sku;

typedef struct ec__inv_stock {
    uint32_t sku, loc;
    uint32_t next; /* next entry of the same SKU, by location name */
    int64_t on_hand, safety, backorder;
    int64_t held;          /* committed + active reservations not lapsed, outside included */
    int64_t outside;       /* held by reservations this inventory does not hold (restored) */
    uint32_t next_changed; /* the list of changed entries, see ec__inv_touch_stock */
    uint8_t changed;
} ec__inv_stock;

/* A line of a reservation: qty units placed at a stock entry, of which
 * `shipped` left (on_hand fell) and `released` were given back before
 * shipping; of the shipped ones, `returned` came back into stock.  Only
 * the open units, qty - shipped - released, hold stock. */
typedef struct ec__inv_line {
    uint32_t stock;
    uint32_t qty;
    uint32_t shipped, released, returned;
} ec__inv_line;

static inline int64_t ec__inv_line_open(const ec__inv_line *l)
{
    return (int64_t)l->qty - l->shipped - l->released;
}

/* How a reservation counts in `held` (kept next to its status). */
enum {
    EC__HOLD_NONE = 0,      /* released, expired, shipped */
    EC__HOLD_ACTIVE = 1,    /* active, counted, in an expiry queue */
    EC__HOLD_LAPSED = 2,    /* active past expires_at, not counted, on the lapsed stack */
    EC__HOLD_COMMITTED = 3, /* committed, counted */
};

typedef struct ec__inv_res {
    ec__inv_name id;
    ec__inv_name order; /* p NULL when none */
    ec__inv_line *lines;
    int64_t expires_at;
    uint32_t nlines;
    uint32_t next_changed; /* the list of changed reservations */
    uint8_t status;        /* ec_reservation_status */
    uint8_t hold;
    uint8_t changed;
    char head[EC__INV_HEAD];
} ec__inv_res;

typedef struct ec__inv_heap_entry {
    int64_t expires_at;
    uint32_t res;
} ec__inv_heap_entry;

/* Reservations made with one TTL while time moves forward expire in the
 * order they were made: a queue per TTL then takes them in O(1), touching
 * memory in order.  Entries [head, q.n) are sorted by expires_at. */
#define EC__INV_RUNS 8
typedef struct ec__inv_run {
    EC__INV_VEC(ec__inv_heap_entry) q;
    size_t head;
    int64_t ttl; /* 0: unused */
} ec__inv_run;

/* One placement planned by reserve or checked by commit. */
typedef struct ec__inv_plan {
    uint32_t stock;
    uint32_t line; /* merged request line it serves */
    int64_t qty;
} ec__inv_plan;

/* A reservation that expire is about to turn into expired. */
typedef struct ec__inv_expiring {
    int64_t expires_at;
    const char *id;
    uint32_t id_len, res;
} ec__inv_expiring;

/* The instants an RFC 3339 time with a four-digit year can name: every
 * expires_at lies within them, so that a state document can carry it. */
#define EC__INV_TIME_MIN INT64_C(-62167219200000000)
#define EC__INV_TIME_MAX INT64_C(253402300799999999)

/* A request line after lines of one SKU were added up. */
typedef struct ec__inv_demand {
    uint32_t sku;   /* EC__INV_NONE for a SKU the inventory does not know */
    uint32_t first; /* first request line of that SKU */
    int64_t qty;
} ec__inv_demand;

struct ec_inventory {
    ec_allocator alloc_copy;
    const ec_allocator *alloc; /* &alloc_copy, or NULL for libc */
    ec__arena arena;

    EC__INV_VEC(ec__inv_sku) skus;
    EC__INV_VEC(ec__inv_name) locs;
    EC__INV_VEC(ec__inv_stock) stock;
    EC__INV_VEC(ec__inv_res) res;
    ec__inv_table sku_index, loc_index, stock_index, res_index;

    /* Expiry.  Invariant, with W = watermark: every reservation with hold
     * ACTIVE has expires_at > W and one entry in a run or in `heap`; every
     * one with hold LAPSED has expires_at <= W and an entry in `lapsed`,
     * which is sorted by expires_at.  The queues may hold stale entries (a
     * reservation that moved on); they are skipped when met.  `queued`
     * counts every queued entry; the capacity of `heap` and of `lapsed`
     * stays >= queued + lapsed_live, so draining and rewinding never
     * allocate. */
    ec__inv_run runs[EC__INV_RUNS];
    EC__INV_VEC(ec__inv_heap_entry) heap;
    EC__INV_VEC(uint32_t) lapsed;
    size_t queued;
    size_t heap_live, lapsed_live; /* live (not stale) entries: queued, lapsed */
    int push_to;                   /* run chosen by ec__inv_expiry_reserve, -1: heap */
    int64_t watermark;             /* INT64_MIN until an operation brings a time */

    /* Scratch of reserve and commit, kept to stop allocating. */
    EC__INV_VEC(ec__inv_demand) demand;
    EC__INV_VEC(ec__inv_plan) plan;
    EC__INV_VEC(uint32_t) scratch;
    EC__INV_VEC(ec__inv_expiring) expiring;

    /* What changed since the inventory was built or the changes were
     * cleared: lists threaded through the entries (next_changed), newest
     * first, so marking a change never allocates. */
    uint32_t changed_stock, changed_res; /* EC__INV_NONE: empty */

    /* Kept for the JSON facade, which owns their content. */
    ec_inventory_request *codec_req;
    ec_inventory_result *codec_res;
    char *codec_out;
    size_t codec_out_cap;
};

/* Grow an array of `elem`-byte elements to hold at least `need` of them
 * (doubling).  Returns the new array and updates *cap, or returns v
 * unchanged (still valid, *cap unchanged) when out of memory or past
 * EC_INVENTORY_MAX_ENTRIES.  EC__INV_VEC_FIT is 1 when the vector fits. */
void *ec__inv_vec_grow(const ec_allocator *a, void *v, size_t *cap, size_t need, size_t elem);
#define EC__INV_VEC_FIT(a, vec, need)                                                              \
    ((need) <= (vec).cap ||                                                                        \
     ((vec).v = ec__inv_vec_grow((a), (vec).v, &(vec).cap, (need), sizeof *(vec).v),               \
      (need) <= (vec).cap))

/* ---- lookups (inventory.c) ------------------------------------------------------- */

/* Copy a key's first bytes into head (zero-padded). */
void ec__inv_set_head(char *head, const char *s, size_t n);

uint32_t ec__inv_find_sku(const ec_inventory *inv, const char *s, size_t n);
uint32_t ec__inv_find_loc(const ec_inventory *inv, const char *s, size_t n);
uint32_t ec__inv_find_stock(const ec_inventory *inv, uint32_t sku, uint32_t loc);
uint32_t ec__inv_find_res(const ec_inventory *inv, const char *s, size_t n);
/* max(0, on_hand - safety - held + backorder). */
int64_t ec__inv_free(const ec__inv_stock *s);
/* Note that a stock entry's levels or a reservation changed (idempotent;
 * never allocates). */
void ec__inv_touch_stock(ec_inventory *inv, uint32_t index);
void ec__inv_touch_res(ec_inventory *inv, uint32_t index);
/* Validate a NUL-terminated identifier argument named `field`. */
ec_status ec__inv_check_id(const char *s, const char *field, size_t *len, ec_error *err);

/* ---- a region's share of the stock (inventory.c; used by the escrow) --------------- */

#define EC__INV_ADJUST_MAX 64

/* Add deltas[i] to the on_hand of `sku` at locs[i] (n <= EC__INV_ADJUST_MAX
 * distinct locations), creating the entries that are missing with every
 * level 0; all or nothing.  The caller keeps on_hand where it may be (a
 * debit never below what is held).  EC_INVALID_FIELD ("sku",
 * "lines[i].location"), EC_LIMIT_EXCEEDED ("lines[i].quantity": on_hand
 * beyond EC_INVENTORY_MAX_STOCK either way), EC_NO_MEMORY. */
ec_status ec__inv_adjust(ec_inventory *inv, const char *sku, size_t n, const char *const *locs,
                         const int64_t *deltas, ec_error *err);

/* ---- expiry (inventory_expiry.c) ----------------------------------------------------- */

/* Bring expiry to `at`: active reservations with expires_at <= at stop
 * holding stock; those of a later at given before are restored when time
 * went back.  Cannot fail. */
void ec__inv_sync(ec_inventory *inv, int64_t at);
/* Make room so that one more reservation, expiring at expires_at and made
 * with ttl_seconds (0 when unknown), can become active; 0 when out of
 * memory. */
int ec__inv_expiry_reserve(ec_inventory *inv, int64_t expires_at, int64_t ttl_seconds);
/* Queue reservation r as active (its stock already counted), after
 * ec__inv_expiry_reserve(); r must have expires_at > watermark: the caller
 * rewinds first otherwise. */
void ec__inv_expiry_push(ec_inventory *inv, uint32_t r);
/* Free every array of the expiry queues. */
void ec__inv_expiry_free(ec_inventory *inv);
/* Collect the live lapsed reservations into inv->expiring, sorted by
 * expires_at then id; 0 when out of memory. */
int ec__inv_lapsed_collect(ec_inventory *inv);
/* Forget every lapsed entry (after expire changed their status). */
void ec__inv_lapsed_clear(ec_inventory *inv);
/* Reservation r stops being active (committed, released, expired): its
 * heap or lapsed entry goes stale and r->hold becomes NONE; the caller sets
 * the new hold.  Held quantities are the caller's business. */
void ec__inv_leave_active(ec_inventory *inv, ec__inv_res *r);
/* Add (sign 1) or remove (-1) r's lines from held. */
void ec__inv_hold(ec_inventory *inv, const ec__inv_res *r, int sign);

/* ---- results (inventory_result.c) ---------------------------------------------------- */

void ec__inv_result_clear(ec_inventory_result *r);
/* A hook the JSON facade sets on its result: called by an operation once
 * the result describes what the operation is about to do, and before its
 * first change, so that the facade writes the result document while a
 * failure (0) can still leave the inventory untouched.  NULL: none. */
typedef int (*ec__inv_ready_fn)(void *ctx, const ec_inventory_result *r);
void ec__inv_result_on_ready(ec_inventory_result *r, ec__inv_ready_fn fn, void *ctx);
/* Call the hook (1 without result or hook); the operation fails with
 * EC_NO_MEMORY, unchanged, when it returns 0. */
int ec__inv_result_ready(ec_inventory_result *r);
/* Override what an operation will make of the described reservation. */
void ec__inv_result_outcome(ec_inventory_result *r, int32_t status, const char *order);
/* Describe a reservation reserve is about to create with these lines. */
void ec__inv_result_planned(ec_inventory_result *r, const ec_inventory *inv, const char *id,
                            int64_t expires_at, const ec__inv_line *lines, size_t n);
/* Describe a stock entry by its names and the levels it is about to have. */
void ec__inv_result_levels(ec_inventory_result *r, const char *sku, const char *loc,
                           int64_t on_hand, int64_t safety, int64_t backorder);
/* Describe reservation `index` (id, status, order, expiry, lines). */
void ec__inv_result_reservation(ec_inventory_result *r, const ec_inventory *inv, uint32_t index,
                                int duplicate);
void ec__inv_result_shortage(ec_inventory_result *r, const char *sku, size_t sku_len,
                             const char *loc, int64_t requested, int64_t available);
int ec__inv_result_fit_locations(ec_inventory_result *r, size_t n);
void ec__inv_result_add_location(ec_inventory_result *r, const char *name, int64_t avail);
/* The SKU of available is copied: it may be one the inventory does not know. */
void ec__inv_result_set_available(ec_inventory_result *r, const char *sku, size_t sku_len,
                                  int64_t total);
int ec__inv_result_fit_expired(ec_inventory_result *r, size_t n);
void ec__inv_result_add_expired(ec_inventory_result *r, const char *id);

/* ---- requests (inventory_request.c) ---------------------------------------------------- */

typedef struct ec__inv_req_line {
    ec__inv_name sku;
    int64_t qty;
} ec__inv_req_line;

struct ec_inventory_request {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec__arena arena; /* copies of the strings */
    ec__inv_name id;
    int64_t at, ttl;
    int has_at, has_ttl;
    int32_t strategy;
    EC__INV_VEC(ec__inv_req_line) lines;
    EC__INV_VEC(ec__inv_name) locations;
};

/* ---- debugging (inventory_check.c) --------------------------------------------------- */

/* Recompute everything that is kept incrementally (held per entry, the
 * expiry structures, the indexes, the location order) and compare.  Returns
 * NULL when consistent, else a static description of the first problem.
 * O(size); for tests and fuzzing. */
const char *ec__inventory_check(const ec_inventory *inv);

#endif /* EC_INVENTORY_INTERNAL_H */
