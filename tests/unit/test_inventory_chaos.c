/* test_inventory_chaos.c - allocation failures in every inventory entry
 * point.
 *
 * A counting allocator fails the Nth allocation attempt, for N = 1, 2, ...
 * until a run completes without an injected failure.  Each scenario starts
 * from fresh objects (so every array and index still has to grow) and,
 * for every N and in two modes ("once": only attempt N fails; "sticky": N
 * and every later attempt fail, as when memory really runs out), checks:
 *   - the call returns EC_NO_MEMORY when a failure was injected, and the
 *     failure-free outcome otherwise;
 *   - the inventory's state document is byte for byte what it was before,
 *     and its internal bookkeeping is consistent;
 *   - the objects stay usable: the same call without failures succeeds;
 *   - every block is given back (no leak), and only blocks this allocator
 *     handed out are freed.
 * cJSON allocates through its own process-wide hooks, and buffers returned
 * for ec_free() come from malloc: both are outside the counting allocator. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "inventory/inventory_internal.h"

#define T0 INT64_C(1795860000000000)
#define SEC INT64_C(1000000)

/* ---- the failing allocator ----------------------------------------------------------- */

typedef struct chaos {
    long calls, fail_at, failed, live, foreign;
    int sticky;
} chaos;

typedef union header {
    struct {
        size_t magic;
    } h;
    max_align_t align;
} header;

enum { MAGIC = 0x696e76 };

static int fails(chaos *c)
{
    ++c->calls;
    if (c->fail_at && (c->calls == c->fail_at || (c->sticky && c->calls > c->fail_at))) {
        c->failed++;
        return 1;
    }
    return 0;
}

static void *c_alloc(void *opaque, size_t size)
{
    chaos *c = opaque;
    if (fails(c)) return NULL;
    header *h = malloc(sizeof *h + size);
    if (!h) return NULL;
    h->h.magic = MAGIC;
    c->live++;
    return h + 1;
}

static void *c_realloc(void *opaque, void *p, size_t size)
{
    chaos *c = opaque;
    if (!p) return c_alloc(opaque, size);
    header *old = (header *)p - 1;
    if (old->h.magic != MAGIC) c->foreign++;
    if (fails(c)) return NULL;
    header *h = realloc(old, sizeof *h + size);
    return h ? h + 1 : NULL;
}

static void c_free(void *opaque, void *p)
{
    chaos *c = opaque;
    if (!p) return;
    header *h = (header *)p - 1;
    if (h->h.magic != MAGIC) {
        c->foreign++;
        return;
    }
    h->h.magic = 0;
    c->live--;
    free(h);
}

/* ---- scenarios ------------------------------------------------------------------------ */

typedef struct ctx {
    ec_inventory *inv;
    ec_inventory_request *req;
    ec_inventory_result *res;
} ctx;

typedef struct scenario {
    const char *name;
    void (*prepare)(ctx *x);
    ec_status (*op)(ctx *x);
    int allocates; /* 0: may need no memory at all (results point into the inventory) */
} scenario;

static void stock(ctx *x)
{
    int64_t two = 2;
    ec_inventory_set(x->inv, "A", "hamburg", 3, NULL, NULL, NULL, NULL);
    ec_inventory_set(x->inv, "A", "berlin", 2, NULL, &two, NULL, NULL);
    ec_inventory_set(x->inv, "B", "berlin", 9, NULL, NULL, NULL, NULL);
}

static void request(ctx *x, const char *id, int lines)
{
    ec_inventory_request_reset(x->req);
    ec_inventory_request_set_id(x->req, id, NULL);
    for (int i = 0; i < lines; i++)
        ec_inventory_request_add_line(x->req, i % 2 ? "B" : "A", 1, NULL);
    ec_inventory_request_set_ttl(x->req, 60, NULL);
    ec_inventory_request_set_at(x->req, T0, NULL);
}

static void prep_stock(ctx *x)
{
    stock(x);
}
static void prep_empty(ctx *x)
{
    (void)x;
}
/* Eight entries: the stock array and the SKU index are full, so one more
 * entry grows them with data in place. */
static void prep_full(ctx *x)
{
    stock(x);
    const char *skus[] = {"C", "D", "E", "F", "G"};
    for (int i = 0; i < 5; i++) ec_inventory_set(x->inv, skus[i], "x", 1, NULL, NULL, NULL, NULL);
}
static void prep_request(ctx *x)
{
    stock(x);
    request(x, "r1", 3);
}
static void prep_many_lines(ctx *x)
{
    stock(x);
    request(x, "big", 12);
    ec_inventory_request_add_location(x->req, "hamburg", NULL);
    ec_inventory_request_add_location(x->req, "berlin", NULL);
}

/* r1 (A:2, B:1) active, r2 (A:1) committed, both from a few reserves. */
static void prep_reserved(ctx *x)
{
    prep_request(x);
    ec_inventory_reserve(x->inv, x->req, NULL, NULL);
    request(x, "r2", 1);
    ec_inventory_reserve(x->inv, x->req, NULL, NULL);
    ec_inventory_commit(x->inv, "r2", "o2", T0, NULL, NULL);
}

static ec_status op_set(ctx *x)
{
    int64_t s = 1;
    return ec_inventory_set(x->inv, "C", "paris", 4, &s, NULL, x->res, NULL);
}
static ec_status op_receive(ctx *x)
{
    return ec_inventory_receive(x->inv, "C", "rome", 4, x->res, NULL);
}
static ec_status op_restore_stock(ctx *x)
{
    return ec_inventory_restore_stock(x->inv, "D", "oslo", -2, 0, 3, NULL);
}
static ec_status op_restore_res(ctx *x)
{
    const char *skus[2] = {"A", "B"}, *locs[2] = {"hamburg", "berlin"};
    int64_t q[2] = {1, 2};
    return ec_inventory_restore_reservation(x->inv, "saved", EC_RESERVATION_STATUS_ACTIVE,
                                            T0 + 60 * SEC, NULL, 2, skus, locs, q, NULL);
}
static ec_status op_reserve(ctx *x)
{
    return ec_inventory_reserve(x->inv, x->req, x->res, NULL);
}
static ec_status op_commit(ctx *x)
{
    return ec_inventory_commit(x->inv, "r1", "o1", T0, x->res, NULL);
}
static ec_status op_commit_late(ctx *x)
{
    return ec_inventory_commit(x->inv, "r1", "o1", T0 + 120 * SEC, x->res, NULL);
}
static ec_status op_release(ctx *x)
{
    return ec_inventory_release(x->inv, "r2", x->res, NULL);
}
static ec_status op_ship(ctx *x)
{
    return ec_inventory_ship(x->inv, "r2", x->res, NULL);
}
static ec_status op_expire(ctx *x)
{
    return ec_inventory_expire(x->inv, T0 + 120 * SEC, x->res, NULL);
}
static ec_status op_available(ctx *x)
{
    return ec_inventory_available(x->inv, "A", T0, x->res, NULL);
}
static ec_status op_get(ctx *x)
{
    return ec_inventory_get(x->inv, "r1", x->res, NULL);
}

static ec_status op_to_json(ctx *x)
{
    char *out = NULL;
    ec_status st = ec_inventory_to_json(x->inv, &out, NULL);
    ec_free(out);
    return st;
}

static const char reserve_doc[] =
    "{\"op\":\"reserve\",\"id\":\"j1\",\"lines\":[{\"sku\":\"A\",\"quantity\":4},"
    "{\"sku\":\"B\",\"quantity\":1}],\"ttl_seconds\":60,\"at\":\"2026-11-28T10:00:00Z\"}";

static ec_status op_apply_view(ctx *x)
{
    const char *out = NULL;
    ec_status st =
        ec_inventory_apply_json_view(x->inv, reserve_doc, strlen(reserve_doc), &out, NULL, NULL);
    if (st == EC_OK) CU_ASSERT_PTR_NOT_NULL(out);
    return st;
}

static ec_status op_apply(ctx *x)
{
    char *out = NULL;
    static const char doc[] = "{\"op\":\"commit\",\"id\":\"r1\",\"order\":\"o9\","
                              "\"at\":\"2026-11-28T10:00:30Z\"}";
    ec_status st = ec_inventory_apply_json(x->inv, doc, strlen(doc), &out, NULL, NULL);
    ec_free(out);
    return st;
}

/* Each mutating operation through the facade, whose result document is
 * written before the operation's first change. */
static ec_status view(ctx *x, const char *doc)
{
    const char *out = NULL;
    ec_status st = ec_inventory_apply_json_view(x->inv, doc, strlen(doc), &out, NULL, NULL);
    if (st == EC_OK) CU_ASSERT_PTR_NOT_NULL(out);
    return st;
}
static ec_status op_view_set(ctx *x)
{
    return view(x, "{\"op\":\"set\",\"sku\":\"N\",\"location\":\"new\",\"on_hand\":3}");
}
static ec_status op_view_receive(ctx *x)
{
    return view(x, "{\"op\":\"receive\",\"sku\":\"A\",\"location\":\"berlin\",\"quantity\":3}");
}
static ec_status op_view_commit(ctx *x)
{
    return view(
        x, "{\"op\":\"commit\",\"id\":\"r1\",\"order\":\"o\",\"at\":\"2026-11-28T11:00:00Z\"}");
}
static ec_status op_view_release(ctx *x)
{
    return view(x, "{\"op\":\"release\",\"id\":\"r2\"}");
}
static ec_status op_view_ship(ctx *x)
{
    return view(x, "{\"op\":\"ship\",\"id\":\"r2\"}");
}
static ec_status op_view_expire(ctx *x)
{
    return view(x, "{\"op\":\"expire\",\"at\":\"2026-11-28T11:00:00Z\"}");
}

static const scenario scenarios[] = {
    {"set", prep_empty, op_set, 1},
    {"set_grows", prep_full, op_set, 1},
    {"receive", prep_empty, op_receive, 1},
    {"receive_grows", prep_full, op_receive, 1},
    {"restore_stock", prep_empty, op_restore_stock, 1},
    {"restore_reservation", prep_stock, op_restore_res, 1},
    {"reserve", prep_request, op_reserve, 1},
    {"reserve_many_lines", prep_many_lines, op_reserve, 1},
    {"commit", prep_reserved, op_commit, 0},
    {"commit_after_expiry", prep_reserved, op_commit_late, 0},
    {"release", prep_reserved, op_release, 0},
    {"ship", prep_reserved, op_ship, 0},
    {"expire", prep_reserved, op_expire, 1},
    {"available", prep_reserved, op_available, 1},
    {"get", prep_reserved, op_get, 0},
    {"to_json", prep_reserved, op_to_json, 1},
    {"apply_json_view", prep_reserved, op_apply_view, 1},
    {"apply_json", prep_reserved, op_apply, 1},
    {"apply_json_view set", prep_reserved, op_view_set, 1},
    {"apply_json_view receive", prep_reserved, op_view_receive, 1},
    {"apply_json_view commit", prep_reserved, op_view_commit, 1},
    {"apply_json_view release", prep_reserved, op_view_release, 1},
    {"apply_json_view ship", prep_reserved, op_view_ship, 1},
    {"apply_json_view expire", prep_reserved, op_view_expire, 1},
};

static char *state(const ec_inventory *inv)
{
    char *s = NULL;
    ec_inventory_to_json(inv, &s, NULL);
    return s;
}

/* One run with attempt N failing; returns 1 when nothing was injected. */
static int run_once(const scenario *sc, long n, int sticky)
{
    chaos c = {0};
    ec_allocator a = {c_alloc, c_realloc, c_free, &c};
    ctx x = {ec_inventory_new_ex(&a), ec_inventory_request_new_ex(&a),
             ec_inventory_result_new_ex(&a)};
    CU_ASSERT_PTR_NOT_NULL_FATAL(x.inv);
    sc->prepare(&x);
    char *before = state(x.inv);
    c.fail_at = c.calls + n;
    c.sticky = sticky;
    ec_status st = sc->op(&x);
    long injected = c.failed;
    c.fail_at = 0;
    c.sticky = 0;
    char *after = state(x.inv);
    const char *why = ec__inventory_check(x.inv);
    int ok = injected ? st == EC_NO_MEMORY && strcmp(before, after) == 0 : st == EC_OK;
    ok = ok && !why;
    if (injected && ok) ok = sc->op(&x) == EC_OK; /* still usable */
    if (!ok)
        fprintf(stderr, "\n  chaos %s, attempt %ld (%s): %s%s%s\n", sc->name, n,
                sticky ? "sticky" : "once", ec_status_name(st),
                strcmp(before, after) ? ", state changed" : "", why ? why : "");
    CU_ASSERT_TRUE(ok);
    ec_free(before);
    ec_free(after);
    ec_inventory_result_free(x.res);
    ec_inventory_request_free(x.req);
    ec_inventory_free(x.inv);
    CU_ASSERT_EQUAL(c.live, 0);
    CU_ASSERT_EQUAL(c.foreign, 0);
    return injected == 0;
}

static void test_inventory_chaos_every_operation(void)
{
    for (size_t s = 0; s < sizeof scenarios / sizeof scenarios[0]; s++)
        for (int sticky = 0; sticky < 2; sticky++) {
            long n = 1;
            while (n < 10000 && !run_once(&scenarios[s], n, sticky)) n++;
            if (n == 1 && scenarios[s].allocates)
                fprintf(stderr, "\n  chaos %s: no allocation to fail\n", scenarios[s].name);
            CU_ASSERT_TRUE(n > 1 || !scenarios[s].allocates);
            CU_ASSERT_TRUE(n < 10000);
        }
}

/* Constructors: NULL and nothing held when any attempt fails. */
static void test_inventory_chaos_constructors(void)
{
    for (int which = 0; which < 3; which++)
        for (long n = 1;; n++) {
            chaos c = {0};
            ec_allocator a = {c_alloc, c_realloc, c_free, &c};
            c.fail_at = n;
            void *p = which == 0   ? (void *)ec_inventory_new_ex(&a)
                      : which == 1 ? (void *)ec_inventory_request_new_ex(&a)
                                   : (void *)ec_inventory_result_new_ex(&a);
            CU_ASSERT_TRUE((p == NULL) == (c.failed > 0));
            if (which == 0) ec_inventory_free(p);
            if (which == 1) ec_inventory_request_free(p);
            if (which == 2) ec_inventory_result_free(p);
            CU_ASSERT_EQUAL(c.live, 0);
            if (!c.failed) break;
        }
}

/* Request setters and from_json, whose objects are new on every attempt. */
static void test_inventory_chaos_request_and_state_document(void)
{
    static const char doc[] =
        "{\"stock\":[{\"sku\":\"A\",\"location\":\"x\",\"on_hand\":5},"
        "{\"sku\":\"B\",\"location\":\"y\",\"on_hand\":1}],\"reservations\":[{\"id\":\"r\","
        "\"lines\":[{\"sku\":\"A\",\"location\":\"x\",\"quantity\":2}],\"status\":\"committed\","
        "\"expires_at\":\"2026-11-28T10:00:00Z\",\"order\":\"o\"}]}";
    for (long n = 1;; n++) {
        chaos c = {0};
        ec_allocator a = {c_alloc, c_realloc, c_free, &c};
        ec_inventory_request *req = ec_inventory_request_new_ex(&a);
        c.fail_at = c.calls + n;
        ec_status st = ec_inventory_request_set_id(req, "an-id", NULL);
        for (int i = 0; i < 40 && st == EC_OK; i++)
            st = ec_inventory_request_add_line(req, "A", 1, NULL);
        for (int i = 0; i < 20 && st == EC_OK; i++) {
            char loc[16];
            snprintf(loc, sizeof loc, "L%d", i);
            st = ec_inventory_request_add_location(req, loc, NULL);
        }
        CU_ASSERT_EQUAL(st, c.failed ? EC_NO_MEMORY : EC_OK);
        ec_inventory_request_free(req);
        CU_ASSERT_EQUAL(c.live, 0);
        if (!c.failed) break;
    }
    for (long n = 1;; n++) {
        chaos c = {0};
        ec_allocator a = {c_alloc, c_realloc, c_free, &c};
        ec_inventory *inv = (ec_inventory *)1;
        c.fail_at = n;
        ec_status st = ec_inventory_from_json(doc, strlen(doc), &a, &inv, NULL);
        CU_ASSERT_EQUAL(st, c.failed ? EC_NO_MEMORY : EC_OK);
        CU_ASSERT_TRUE((inv == NULL) == (st != EC_OK));
        ec_inventory_free(inv);
        CU_ASSERT_EQUAL(c.live, 0);
        CU_ASSERT_EQUAL(c.foreign, 0);
        if (!c.failed) break;
    }
}

static CU_TestInfo chaos_tests[] = {
    {"every_operation", test_inventory_chaos_every_operation},
    {"constructors", test_inventory_chaos_constructors},
    {"request_and_state_document", test_inventory_chaos_request_and_state_document},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_inventory_chaos_suites[] = {
    {.pName = "inventory.chaos", .pTests = chaos_tests},
    CU_SUITE_INFO_NULL,
};
