/* inventory.c - benchmark of inventory reservations (`make bench`).
 *
 * Workload, generated here and never committed: 250,000 SKUs at 4
 * locations (1,000,000 stock entries), 1,000,000 live reservations to
 * start with (90% committed), then rounds of a mix of reserve (33%),
 * commit (30%, the oldest active reservation), ship (20%, the oldest
 * committed one), release (16%) and expire (1%) while the clock moves on
 * 1 ms per operation (TTL 900 s); above 1,000,000 live reservations a
 * reserve turns into a ship, so that about that many stay live.  Each round's operations are
 * generated before it is timed (ids, SKUs and times are prepared strings), so the figure is the
 * library's.
 *
 * Prints operations per second, the median of 5 rounds, through the typed
 * API and through the JSON facade (one operation document in, one result
 * document out), and the live reservation count between the phases.  The
 * whole run is done twice: with the C library's malloc, and with an
 * allocator (through the inventory's allocator hooks) that asks for huge
 * pages for large blocks, as a deployment holding millions of entries
 * would: at this size most operations wait on memory, and huge pages save
 * the address translation misses.
 *
 * Usage: bench/inventory [ROUND_OPS]   (default 1,000,000 typed; the JSON
 * rounds run a quarter of that). */
#define _GNU_SOURCE /* MADV_HUGEPAGE */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "ecommerce.h"

enum { SKUS = 250000, LOCS = 4, LIVE = 1000000, ROUNDS = 5 };

#define T0 INT64_C(1795860000000000)
#define SEC INT64_C(1000000)
#define TTL 900

typedef enum kind { RESERVE, COMMIT, SHIP, RELEASE, EXPIRE } kind;

/* An operation with its strings in place, as a caller that has just read
 * them would hold them. */
typedef struct op {
    kind k;
    int32_t qty;
    int64_t at;
    uint32_t id, sku;
    char id_s[12], sku_s[12];
} op;

/* The driver's own view: reservation ids waiting for commit, and
 * committed ones waiting for ship, first in first out. */
typedef struct fifo {
    uint32_t *v;
    size_t head, tail, cap;
} fifo;

static void push(fifo *f, uint32_t x)
{
    if (f->tail == f->cap) {
        size_t live = f->tail - f->head;
        if (f->head > f->cap / 2) {
            memmove(f->v, f->v + f->head, live * sizeof *f->v);
        } else {
            f->cap = f->cap ? f->cap * 2 : 1 << 20;
            f->v = realloc(f->v, f->cap * sizeof *f->v);
            if (!f->v) abort();
            memmove(f->v, f->v + f->head, live * sizeof *f->v);
        }
        f->head = 0;
        f->tail = live;
    }
    f->v[f->tail++] = x;
}

static int pop(fifo *f, uint32_t *x)
{
    if (f->head == f->tail) return 0;
    *x = f->v[f->head++];
    return 1;
}

static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static uint32_t next_id;
static const char *const loc_name[LOCS] = {"berlin", "hamburg", "munich", "vienna"};

static op make(kind k, uint32_t id, uint32_t sku, int32_t qty, int64_t at)
{
    op o = {k, qty, at, id, sku, "", ""};
    snprintf(o.id_s, sizeof o.id_s, "r%07u", id % 10000000u);
    snprintf(o.sku_s, sizeof o.sku_s, "S%07u", sku);
    return o;
}

static double seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall time is what counts; CPU time tells what the library costs when
 * the machine is shared and the run is interrupted. */
static double now_s(void)
{
    return seconds(CLOCK_MONOTONIC);
}
static double cpu_s(void)
{
    return seconds(CLOCK_PROCESS_CPUTIME_ID);
}

/* ---- the typed API ------------------------------------------------------------------ */

static ec_inventory_request *req;
static ec_inventory_result *res;

static ec_status run_typed(ec_inventory *inv, const op *o)
{
    switch (o->k) {
    case RESERVE:
        ec_inventory_request_reset(req);
        ec_inventory_request_set_id(req, o->id_s, NULL);
        ec_inventory_request_add_line(req, o->sku_s, o->qty, NULL);
        ec_inventory_request_set_ttl(req, TTL, NULL);
        ec_inventory_request_set_at(req, o->at, NULL);
        return ec_inventory_reserve(inv, req, res, NULL);
    case COMMIT:
        return ec_inventory_commit(inv, o->id_s, "order", o->at, res, NULL);
    case SHIP:
        return ec_inventory_ship(inv, o->id_s, res, NULL);
    case RELEASE:
        return ec_inventory_release(inv, o->id_s, res, NULL);
    case EXPIRE:
        return ec_inventory_expire(inv, o->at, res, NULL);
    }
    return EC_INTERNAL;
}

/* ---- workload ----------------------------------------------------------------------------- */

static fifo active, committed;
static int64_t clock_us = T0;

/* Active and committed reservations, counted through the API (untimed). */
static size_t count_live(ec_inventory *inv)
{
    size_t live = 0;
    for (uint32_t i = 0; i < next_id; i++) {
        op o = make(COMMIT, i, 0, 0, 0);
        if (ec_inventory_get(inv, o.id_s, res, NULL) != EC_OK) continue;
        int32_t st = ec_inventory_result_status(res);
        live += st == EC_RESERVATION_STATUS_ACTIVE || st == EC_RESERVATION_STATUS_COMMITTED;
    }
    return live;
}

static void fill(ec_inventory *inv)
{
    for (uint32_t s = 0; s < SKUS; s++) {
        op o = make(RESERVE, 0, s, 0, 0);
        for (int l = 0; l < LOCS; l++)
            if (ec_inventory_set(inv, o.sku_s, loc_name[l], 1000000, NULL, NULL, NULL, NULL))
                abort();
    }
    for (long i = 0; i < LIVE; i++) {
        op o = make(RESERVE, next_id++, rnd(SKUS), 1 + (int32_t)rnd(3), clock_us);
        if (run_typed(inv, &o) != EC_OK) abort();
        if (i % 10 != 0) {
            o.k = COMMIT;
            if (run_typed(inv, &o) != EC_OK) abort();
            push(&committed, o.id);
        } else {
            push(&active, o.id);
        }
        if (i % 1000 == 0) clock_us += SEC / 10;
    }
}

/* One round of n operations, in the order they will run. */
static void generate(op *ops, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        op *o = &ops[i];
        uint32_t r = rnd(100), id = 0;
        /* above 1,000,000 queued reservations a reserve becomes a ship */
        if (r >= 67 && active.tail - active.head + committed.tail - committed.head > LIVE) r = 30;
        clock_us += 1000; /* 1 ms per operation: uncommitted ones lapse after TTL */
        if (r < 30 && pop(&active, &id)) {
            *o = make(COMMIT, id, 0, 0, clock_us);
            push(&committed, id);
        } else if (r >= 30 && r < 50 && pop(&committed, &id)) {
            *o = make(SHIP, id, 0, 0, clock_us);
        } else if (r >= 50 && r < 66 && pop(&active, &id)) {
            *o = make(RELEASE, id, 0, 0, clock_us);
        } else if (r == 66) {
            *o = make(EXPIRE, 0, 0, 0, clock_us);
        } else {
            *o = make(RESERVE, next_id++, rnd(SKUS), 1 + (int32_t)rnd(3), clock_us);
            push(&active, o->id);
        }
    }
}

/* ---- the JSON facade ------------------------------------------------------------------------ */

static void format_time(char *out, size_t cap, int64_t us)
{
    time_t s = (time_t)(us / SEC);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % SEC / 1000));
}

/* Operation documents for a round, one after another, NUL-separated. */
static char *to_documents(const op *ops, size_t n, size_t **offsets)
{
    char *buf = malloc(n * 200 + 1), at[96];
    size_t len = 0;
    *offsets = malloc((n + 1) * sizeof **offsets);
    if (!buf || !*offsets) abort();
    for (size_t i = 0; i < n; i++) {
        const op *o = &ops[i];
        char *p = buf + len;
        format_time(at, sizeof at, o->at);
        (*offsets)[i] = len;
        if (o->k == RESERVE)
            len += (size_t)sprintf(p,
                                   "{\"op\":\"reserve\",\"id\":\"%s\",\"lines\":[{\"sku\":\"%s\","
                                   "\"quantity\":%d}],\"ttl_seconds\":%d,\"at\":\"%s\"}",
                                   o->id_s, o->sku_s, o->qty, TTL, at);
        else if (o->k == COMMIT)
            len += (size_t)sprintf(p,
                                   "{\"op\":\"commit\",\"id\":\"%s\",\"order\":\"order\","
                                   "\"at\":\"%s\"}",
                                   o->id_s, at);
        else if (o->k == EXPIRE)
            len += (size_t)sprintf(p, "{\"op\":\"expire\",\"at\":\"%s\"}", at);
        else
            len += (size_t)sprintf(p, "{\"op\":\"%s\",\"id\":\"%s\"}",
                                   o->k == SHIP ? "ship" : "release", o->id_s);
        buf[len++] = '\0';
    }
    (*offsets)[n] = len;
    return buf;
}

/* ---- an allocator asking for huge pages --------------------------------------------- */

enum { HUGE = 2 << 20, HEADER = 64 };

/* Each block starts HEADER bytes after its allocation, which records its
 * size and whether it came from aligned_alloc. */
static void *hp_alloc(void *opaque, size_t size)
{
    (void)opaque;
    int big = size >= 2 * (size_t)HUGE;
    size_t total = big ? (size + HEADER + HUGE - 1) / HUGE * HUGE : size + HEADER;
    unsigned char *p = big ? aligned_alloc(HUGE, total) : malloc(total);
    if (!p) return NULL;
#ifdef MADV_HUGEPAGE
    if (big) madvise(p, total, MADV_HUGEPAGE);
#endif
    memcpy(p, &size, sizeof size);
    return p + HEADER;
}

static void hp_free(void *opaque, void *ptr)
{
    (void)opaque;
    if (ptr) free((unsigned char *)ptr - HEADER);
}

static void *hp_realloc(void *opaque, void *ptr, size_t size)
{
    if (!ptr) return hp_alloc(opaque, size);
    size_t old;
    memcpy(&old, (unsigned char *)ptr - HEADER, sizeof old);
    void *p = hp_alloc(opaque, size);
    if (!p) return NULL;
    memcpy(p, ptr, old < size ? old : size);
    hp_free(opaque, ptr);
    return p;
}

/* ---- rounds --------------------------------------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, ROUNDS, sizeof *v, by_value);
    return v[ROUNDS / 2];
}

static void rounds(ec_inventory *inv, size_t n, int json)
{
    op *ops = malloc(n * sizeof *ops);
    double rate[ROUNDS], cpu_rate[ROUNDS];
    if (!ops) abort();
    for (int r = 0; r < ROUNDS; r++) {
        generate(ops, n);
        size_t *off = NULL, failed = 0;
        char *docs = json ? to_documents(ops, n, &off) : NULL;
        double t = now_s(), c = cpu_s();
        for (size_t i = 0; i < n; i++) {
            ec_status st;
            if (json) {
                const char *out = NULL;
                st = ec_inventory_apply_json_view(inv, docs + off[i], off[i + 1] - off[i] - 1, &out,
                                                  NULL, NULL);
            } else {
                st = run_typed(inv, &ops[i]);
            }
            failed += st != EC_OK;
        }
        t = now_s() - t;
        c = cpu_s() - c;
        rate[r] = (double)n / t;
        cpu_rate[r] = (double)n / c;
        printf("  %s round %d: %zu operations in %.3f s (%.3f s CPU), %.0f ops/s, %zu failed\n",
               json ? "json " : "typed", r + 1, n, t, c, rate[r], failed);
        free(docs);
        free(off);
    }
    printf("%s: %.0f operations/s (median of %d rounds of %zu; %.0f per CPU second)\n",
           json ? "JSON facade" : "typed API", median(rate), ROUNDS, n, median(cpu_rate));
    free(ops);
}

static void run_all(size_t n, const ec_allocator *alloc)
{
    active.head = active.tail = committed.head = committed.tail = 0;
    next_id = 0;
    clock_us = T0;
    rng = 88172645463325252ULL;
    ec_inventory *inv = ec_inventory_new_ex(alloc);
    req = ec_inventory_request_new();
    res = ec_inventory_result_new();
    if (!inv || !req || !res) abort();
    double t = now_s();
    fill(inv);
    printf("inventory: %zu stock entries, %zu reservations (%zu active or committed), built in "
           "%.2f s\n",
           ec_inventory_stock_count(inv), ec_inventory_reservation_count(inv), count_live(inv),
           now_s() - t);
    rounds(inv, n, 0);
    printf("  after the typed rounds: %zu reservations, %zu active or committed\n",
           ec_inventory_reservation_count(inv), count_live(inv));
    rounds(inv, n / 4, 1);
    printf("  after the JSON rounds: %zu reservations, %zu active or committed\n",
           ec_inventory_reservation_count(inv), count_live(inv));
    ec_inventory_result_free(res);
    ec_inventory_request_free(req);
    ec_inventory_free(inv);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    if (n == 0) n = 1000000;
    ec_allocator huge = {hp_alloc, hp_realloc, hp_free, NULL};
    printf("== the C library's malloc\n");
    run_all(n, NULL);
    printf("== an allocator asking for huge pages (madvise) for blocks of 4 MiB and more\n");
    run_all(n, &huge);
    return 0;
}
