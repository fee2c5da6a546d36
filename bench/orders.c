/* orders.c - how many order events per second one thread applies.
 *
 * Workload (generated here, nothing read from disk): ORDERS orders of two
 * lines each go through the life most orders have with the default
 * machine: authorize, capture, fulfil one line, fulfil the rest, deliver,
 * complete (six events each).
 * - typed: ec_order_apply() on orders built beforehand (reset and rebuilt
 *   before each run, keeping their memory), events built once and reused;
 *   only the applies are timed.  Also prints the allocations per event once
 *   the orders have grown (the target is none).
 * - json: ec_json_order_apply() per event, each fed the order document the
 *   previous call returned, as a stateless service would.
 * Each figure is the median of RUNS runs, printed next to its target;
 * missing a target is reported, not an error.  Exits 1 only when the
 * workload does not work.  Build and run with `make bench`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecommerce.h"

#define ORDERS 20000
#define JSON_ORDERS 2000
#define RUNS 5
#define EVENTS_PER_ORDER 6
#define TARGET_TYPED 1e6 /* events/s on one thread */

/* Counts the allocations the orders make. */
static long allocations;

static void *count_alloc(void *opaque, size_t n)
{
    (void)opaque;
    allocations++;
    return malloc(n);
}

static void *count_realloc(void *opaque, void *p, size_t n)
{
    (void)opaque;
    allocations++;
    return realloc(p, n);
}

static void count_free(void *opaque, void *p)
{
    (void)opaque;
    free(p);
}

static const ec_allocator counting = {count_alloc, count_realloc, count_free, NULL};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static void die(const char *what, const ec_error *err)
{
    fprintf(stderr, "orders: %s: %s %s\n", what, err ? ec_status_name(err->code) : "",
            err ? err->message : "");
    exit(1);
}

/* ---- typed ------------------------------------------------------------------ */

static void build_order(ec_order *o, int i)
{
    char id[32];
    ec_error err;
    snprintf(id, sizeof id, "ord-%d", i);
    ec_order_reset(o);
    if (ec_order_set_id(o, id, &err) || ec_order_set_state(o, "pending_payment", &err) ||
        ec_order_set_currency(o, "EUR", &err) || ec_order_set_total(o, 12831, &err) ||
        ec_order_add_line(o, "SHOE-1", 2, 0, 0, &err) ||
        ec_order_add_line(o, "SOCK-3", 3, 0, 0, &err))
        die("building an order", &err);
}

static ec_order_event *build_event(int k)
{
    static const char *const types[EVENTS_PER_ORDER] = {"authorize", "capture", "fulfill",
                                                        "fulfill",   "deliver", "complete"};
    char id[16];
    ec_error err;
    ec_order_event *ev = ec_order_event_new();
    if (!ev) die("out of memory", NULL);
    snprintf(id, sizeof id, "evt-%d", k);
    if (ec_order_event_set_id(ev, id, &err) || ec_order_event_set_type(ev, types[k], &err) ||
        ec_order_event_set_at(ev, INT64_C(1795600800000000) + k, &err))
        die("building an event", &err);
    if (k == 0 && ec_order_event_set_amount(ev, 12831, &err)) die("amount", &err);
    if (k == 2 && ec_order_event_add_line(ev, "SHOE-1", 2, &err)) die("line", &err);
    return ev;
}

static double typed_run(ec_order **orders, ec_order_event **events, ec_order_effects *fx)
{
    const ec_order_machine *m = ec_order_machine_default();
    ec_error err;
    for (int i = 0; i < ORDERS; i++) build_order(orders[i], i);
    allocations = 0;
    double t0 = now();
    for (int i = 0; i < ORDERS; i++)
        for (int k = 0; k < EVENTS_PER_ORDER; k++)
            if (ec_order_apply(m, orders[i], events[k], fx, NULL, &err) != EC_OK)
                die("apply", &err);
    double t = now() - t0;
    if (strcmp(ec_order_state(orders[ORDERS - 1]), "completed") != 0) die("wrong end state", NULL);
    return (double)ORDERS * EVENTS_PER_ORDER / t;
}

static void bench_typed(void)
{
    ec_order **orders = malloc(ORDERS * sizeof *orders);
    ec_order_event *events[EVENTS_PER_ORDER];
    ec_order_effects *fx = ec_order_effects_new();
    if (!orders || !fx) die("out of memory", NULL);
    for (int i = 0; i < ORDERS; i++)
        if (!(orders[i] = ec_order_new_ex(&counting))) die("out of memory", NULL);
    for (int k = 0; k < EVENTS_PER_ORDER; k++) events[k] = build_event(k);
    double rate[RUNS];
    long first_run = 0;
    for (int r = 0; r < RUNS; r++) {
        rate[r] = typed_run(orders, events, fx);
        if (r == 0) first_run = allocations;
    }
    double m = median(rate, RUNS);
    printf("orders typed: %d orders x %d events, median of %d runs: %.2f M events/s "
           "(target >= %.0f M: %s)\n",
           ORDERS, EVENTS_PER_ORDER, RUNS, m / 1e6, TARGET_TYPED / 1e6,
           m >= TARGET_TYPED ? "ok" : "MISSED");
    printf("orders typed: allocations per event: %.3f on first use, %.3f once grown "
           "(target 0: %s)\n",
           (double)first_run / (ORDERS * EVENTS_PER_ORDER),
           (double)allocations / (ORDERS * EVENTS_PER_ORDER), allocations == 0 ? "ok" : "MISSED");
    for (int k = 0; k < EVENTS_PER_ORDER; k++) ec_order_event_free(events[k]);
    for (int i = 0; i < ORDERS; i++) ec_order_free(orders[i]);
    ec_order_effects_free(fx);
    free(orders);
}

/* ---- JSON ------------------------------------------------------------------- */

static const char *const json_events[EVENTS_PER_ORDER] = {
    "{\"id\":\"evt-0\",\"type\":\"authorize\",\"at\":\"2026-11-25T10:00:00Z\","
    "\"amount\":\"128.31\",\"expected_version\":0}",
    "{\"id\":\"evt-1\",\"type\":\"capture\",\"at\":\"2026-11-25T10:05:00Z\"}",
    "{\"id\":\"evt-2\",\"type\":\"fulfill\",\"at\":\"2026-11-26T08:00:00Z\","
    "\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":2}]}",
    "{\"id\":\"evt-3\",\"type\":\"fulfill\",\"at\":\"2026-11-27T08:00:00Z\"}",
    "{\"id\":\"evt-4\",\"type\":\"deliver\",\"at\":\"2026-11-29T15:00:00Z\"}",
    "{\"id\":\"evt-5\",\"type\":\"complete\",\"at\":\"2026-12-13T00:00:00Z\"}",
};

/* The order document inside an apply result, in place. */
static char *order_of(char *result, size_t *len)
{
    char *start = result + strlen("{\"order\":");
    char *end = strstr(start, ",\"effects\":");
    if (!end) die("unexpected output", NULL);
    *end = '\0';
    *len = (size_t)(end - start);
    return start;
}

static double json_run(void)
{
    static const char fresh[] =
        "{\"id\":\"ord-1\",\"state\":\"pending_payment\",\"version\":0,\"currency\":\"EUR\","
        "\"total\":\"128.31\",\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":2},"
        "{\"sku\":\"SOCK-3\",\"quantity\":3}]}";
    ec_error err;
    double t0 = now();
    for (int i = 0; i < JSON_ORDERS; i++) {
        const char *order = fresh;
        size_t len = strlen(fresh);
        char *prev = NULL, *out = NULL;
        for (int k = 0; k < EVENTS_PER_ORDER; k++) {
            if (ec_json_order_apply(NULL, order, len, json_events[k], strlen(json_events[k]), &out,
                                    NULL, &err) != EC_OK)
                die("JSON apply", &err);
            ec_free(prev);
            order = order_of(out, &len);
            prev = out;
        }
        if (!strstr(order, "\"state\":\"completed\"")) die("wrong end state", NULL);
        ec_free(prev);
    }
    return (double)JSON_ORDERS * EVENTS_PER_ORDER / (now() - t0);
}

static void bench_json(void)
{
    double rate[RUNS];
    for (int r = 0; r < RUNS; r++) rate[r] = json_run();
    printf("orders json:  %d orders x %d events, median of %d runs: %.0f events/s\n", JSON_ORDERS,
           EVENTS_PER_ORDER, RUNS, median(rate, RUNS));
}

int main(void)
{
    bench_typed();
    bench_json();
    return 0;
}
