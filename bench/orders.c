/* orders.c - order creation from a priced cart, and how many order
 * events per second one thread applies.
 *
 * Workload (generated here, nothing read from disk): a cart of three lines
 * (SHOE-1 x2, SOCK-3 x3, HAT-5 x1) with 19% tax, a promotion and shipping,
 * priced and made into orders that then go through a mixed life of nine
 * events with the default machine: authorize the total, ship part of the
 * first line, capture, cancel the rest (a refund comes due), refund,
 * deliver, return one unit with a fee, refund, complete.
 * - create: ec_order_create() from one priced result; price + create with
 *   the typed API; ec_json_order_create() (parse, price, create, write).
 * - typed: ec_order_apply() on orders created beforehand (re-created
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
#define CREATES 200000
#define RUNS 5
#define EVENTS_PER_ORDER 9
#define TARGET_TYPED 1e6 /* events/s on one thread */

static const char rules_doc[] =
    "{\"currency\":\"EUR\",\"tax\":[{\"category\":\"standard\",\"country\":\"*\","
    "\"percent\":\"19\"}],\"products\":[{\"sku\":\"SHOE-1\",\"prices\":{\"EUR\":\"59.90\"}},"
    "{\"sku\":\"SOCK-3\",\"prices\":{\"EUR\":\"4.99\"}},{\"sku\":\"HAT-5\","
    "\"prices\":{\"EUR\":\"15.60\"}}],\"promotions\":[{\"id\":\"TEN\",\"action\":"
    "{\"type\":\"percent_off\",\"percent\":\"10\"}}],\"shipping\":[{\"id\":\"std\","
    "\"prices\":{\"EUR\":\"4.90\"}}]}";

static const char cart_doc[] =
    "{\"currency\":\"EUR\",\"country\":\"DE\",\"at\":\"2026-11-28T10:00:00Z\","
    "\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":2},{\"sku\":\"SOCK-3\",\"quantity\":3},"
    "{\"sku\":\"HAT-5\",\"quantity\":1}],\"shipping_method\":\"std\"}";

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

/* ---- the cart, priced once ---------------------------------------------------- */

typedef struct priced {
    ec_ruleset *rules;
    ec_cart *cart;
    ec_price_result *result;
} priced;

static void price_once(priced *p)
{
    ec_error err;
    if (ec_ruleset_from_json(rules_doc, strlen(rules_doc), NULL, &p->rules, &err) != EC_OK)
        die("ruleset", &err);
    p->cart = ec_cart_new();
    p->result = ec_price_result_new();
    if (!p->cart || !p->result) die("out of memory", NULL);
    if (ec_cart_from_json(p->cart, cart_doc, strlen(cart_doc), &err) != EC_OK ||
        ec_price_cart(p->rules, p->cart, p->result, &err) != EC_OK)
        die("pricing", &err);
}

static void priced_free(priced *p)
{
    ec_price_result_free(p->result);
    ec_cart_free(p->cart);
    ec_ruleset_free(p->rules);
}

/* ---- creation ------------------------------------------------------------------- */

static double create_run(const priced *p, ec_order *o, int with_pricing)
{
    ec_error err;
    double t0 = now();
    for (int i = 0; i < CREATES; i++) {
        if (with_pricing && ec_price_cart(p->rules, p->cart, p->result, &err) != EC_OK)
            die("pricing", &err);
        if (ec_order_create(o, p->result, "ord-1", NULL, &err) != EC_OK) die("create", &err);
    }
    return CREATES / (now() - t0);
}

static double create_json_run(const priced *p)
{
    ec_error err;
    double t0 = now();
    for (int i = 0; i < CREATES / 10; i++) {
        char *out = NULL;
        if (ec_json_order_create(p->rules, cart_doc, strlen(cart_doc), "ord-1", &out, NULL, &err) !=
            EC_OK)
            die("JSON create", &err);
        ec_free(out);
    }
    return CREATES / 10 / (now() - t0);
}

static void bench_create(const priced *p)
{
    ec_order *o = ec_order_new();
    if (!o) die("out of memory", NULL);
    double a[RUNS], b[RUNS], c[RUNS];
    for (int r = 0; r < RUNS; r++) {
        a[r] = create_run(p, o, 0);
        b[r] = create_run(p, o, 1);
        c[r] = create_json_run(p);
    }
    printf("orders create: median of %d runs: %.2f M orders/s from a priced result, "
           "%.0f orders/s priced and created, %.0f orders/s through JSON\n",
           RUNS, median(a, RUNS) / 1e6, median(b, RUNS), median(c, RUNS));
    ec_order_free(o);
}

/* ---- typed ------------------------------------------------------------------ */

static void build_order(ec_order *o, const priced *p, int i)
{
    char id[32];
    ec_error err;
    snprintf(id, sizeof id, "ord-%d", i);
    if (ec_order_create(o, p->result, id, NULL, &err) != EC_OK) die("creating an order", &err);
}

/* The life of every order; amounts in minor units (total 168.15 less the
 * promotion: see the cart above). */
static ec_order_event *build_event(int k, int64_t total)
{
    static const char *const types[EVENTS_PER_ORDER] = {"authorize", "fulfill", "capture",
                                                        "cancel",    "refund",  "deliver",
                                                        "return",    "refund",  "complete"};
    char id[16];
    ec_error err;
    ec_order_event *ev = ec_order_event_new();
    if (!ev) die("out of memory", NULL);
    snprintf(id, sizeof id, "evt-%d", k);
    if (ec_order_event_set_id(ev, id, &err) || ec_order_event_set_type(ev, types[k], &err) ||
        ec_order_event_set_at(ev, INT64_C(1795600800000000) + k, &err))
        die("building an event", &err);
    if (k == 0 && ec_order_event_set_amount(ev, total, &err)) die("amount", &err);
    if (k == 1 && ec_order_event_add_line(ev, "SHOE-1", 1, &err)) die("line", &err);
    if (k == 6 &&
        (ec_order_event_add_line(ev, "SHOE-1", 1, &err) || ec_order_event_set_fee(ev, 500, &err)))
        die("return", &err);
    return ev;
}

static double typed_run(const priced *p, ec_order **orders, ec_order_event **events,
                        ec_order_effects *fx)
{
    const ec_order_machine *m = ec_order_machine_default();
    ec_error err;
    for (int i = 0; i < ORDERS; i++) build_order(orders[i], p, i);
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

static void bench_typed(const priced *p)
{
    ec_order **orders = malloc(ORDERS * sizeof *orders);
    ec_order_event *events[EVENTS_PER_ORDER];
    ec_order_effects *fx = ec_order_effects_new();
    if (!orders || !fx) die("out of memory", NULL);
    for (int i = 0; i < ORDERS; i++)
        if (!(orders[i] = ec_order_new_ex(&counting))) die("out of memory", NULL);
    for (int k = 0; k < EVENTS_PER_ORDER; k++)
        events[k] = build_event(k, ec_price_result_total(p->result));
    double rate[RUNS];
    long first_run = 0;
    for (int r = 0; r < RUNS; r++) {
        rate[r] = typed_run(p, orders, events, fx);
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
    "\"amount\":\"%s\",\"expected_version\":1}",
    "{\"id\":\"evt-1\",\"type\":\"fulfill\",\"at\":\"2026-11-26T08:00:00Z\","
    "\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":1}]}",
    "{\"id\":\"evt-2\",\"type\":\"capture\",\"at\":\"2026-11-26T08:05:00Z\"}",
    "{\"id\":\"evt-3\",\"type\":\"cancel\",\"at\":\"2026-11-26T09:00:00Z\"}",
    "{\"id\":\"evt-4\",\"type\":\"refund\",\"at\":\"2026-11-26T09:05:00Z\"}",
    "{\"id\":\"evt-5\",\"type\":\"deliver\",\"at\":\"2026-11-29T15:00:00Z\"}",
    "{\"id\":\"evt-6\",\"type\":\"return\",\"at\":\"2026-12-02T10:00:00Z\","
    "\"lines\":[{\"sku\":\"SHOE-1\",\"quantity\":1}],\"fee\":\"5.00\"}",
    "{\"id\":\"evt-7\",\"type\":\"refund\",\"at\":\"2026-12-02T11:00:00Z\"}",
    "{\"id\":\"evt-8\",\"type\":\"complete\",\"at\":\"2026-12-13T00:00:00Z\"}",
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

static double json_run(const char *fresh, char events[][256])
{
    ec_error err;
    double t0 = now();
    for (int i = 0; i < JSON_ORDERS; i++) {
        const char *order = fresh;
        size_t len = strlen(fresh);
        char *prev = NULL, *out = NULL;
        for (int k = 0; k < EVENTS_PER_ORDER; k++) {
            if (ec_json_order_apply(NULL, order, len, events[k], strlen(events[k]), &out, NULL,
                                    &err) != EC_OK)
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

static void bench_json(const priced *p)
{
    char *fresh = NULL, events[EVENTS_PER_ORDER][256], total[32];
    ec_error err;
    if (ec_json_order_create(p->rules, cart_doc, strlen(cart_doc), "ord-1", &fresh, NULL, &err) !=
        EC_OK)
        die("JSON create", &err);
    ec_money_format(ec_price_result_total(p->result), 2, total, sizeof total, NULL);
    for (int k = 0; k < EVENTS_PER_ORDER; k++)
        snprintf(events[k], sizeof events[k], json_events[k], total);
    double rate[RUNS];
    for (int r = 0; r < RUNS; r++) rate[r] = json_run(fresh, events);
    ec_free(fresh);
    printf("orders json:  %d orders x %d events, median of %d runs: %.0f events/s\n", JSON_ORDERS,
           EVENTS_PER_ORDER, RUNS, median(rate, RUNS));
}

int main(void)
{
    priced p;
    price_once(&p);
    bench_create(&p);
    bench_typed(&p);
    bench_json(&p);
    priced_free(&p);
    return 0;
}
