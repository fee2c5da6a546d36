/* metrics.c - counters and the latency histogram, rendered in the
 * Prometheus text format.
 *
 * Every counter is a relaxed atomic in one preallocated table (method x
 * route x status), so recording a request takes no lock and never
 * allocates; /metrics walks the table and prints the non-zero cells. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

#define STATUS_MIN 100
#define STATUS_SPAN 500
#define NBUCKETS 16

/* Seconds; the first bucket is 100 microseconds: pricing is that fast. */
static const double buckets[NBUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                         0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

typedef struct route_hist {
    atomic_ullong bucket[NBUCKETS];
    atomic_ullong count;
    atomic_ullong sum_ns;
} route_hist;

static const char *const reservation_results[] = {
    "reserved", "duplicate", "insufficient_stock", "committed", "released", "expired", "error"};
#define NRESULTS (sizeof reservation_results / sizeof reservation_results[0])

/* The order events of the default machine, plus "created" for checkouts. */
static const char *const order_events[] = {
    "created",        "authorize",      "capture", "fail_payment", "retry_payment",
    "cancel",         "expire",         "fulfill", "deliver",      "cancel_remaining",
    "request_return", "receive_return", "refund",  "complete",     "other"};
#define NORDER_EVENTS (sizeof order_events / sizeof order_events[0])

struct ecomd_metrics {
    int nroutes;
    atomic_ullong *requests; /* [method][route][status] */
    route_hist *hist;        /* [route] */
    atomic_ullong store_errors;
    atomic_ullong head_timeouts;
    atomic_ullong body_timeouts;
    atomic_ullong reservations[NRESULTS];
    atomic_ullong orders[NORDER_EVENTS];
};

ecomd_metrics *ecomd_metrics_new(void)
{
    ecomd_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->nroutes = ecomd_route_count() + 1;
    m->requests =
        calloc((size_t)ECOMD_METHOD_COUNT * m->nroutes * STATUS_SPAN, sizeof *m->requests);
    m->hist = calloc((size_t)m->nroutes, sizeof *m->hist);
    if (!m->requests || !m->hist) {
        ecomd_metrics_free(m);
        return NULL;
    }
    return m;
}

void ecomd_metrics_free(ecomd_metrics *m)
{
    if (!m) return;
    free(m->requests);
    free(m->hist);
    free(m);
}

void ecomd_metrics_request(ecomd_metrics *m, int method, int route, unsigned status, double seconds)
{
    if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_SPAN) status = 500;
    size_t cell = ((size_t)method * m->nroutes + route) * STATUS_SPAN + (status - STATUS_MIN);
    atomic_fetch_add_explicit(&m->requests[cell], 1, memory_order_relaxed);
    route_hist *h = &m->hist[route];
    for (int i = 0; i < NBUCKETS; i++)
        if (seconds <= buckets[i])
            atomic_fetch_add_explicit(&h->bucket[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, (unsigned long long)(seconds * 1e9),
                              memory_order_relaxed);
}

void ecomd_metrics_store_error(ecomd_metrics *m)
{
    atomic_fetch_add_explicit(&m->store_errors, 1, memory_order_relaxed);
}

void ecomd_metrics_request_timeout(ecomd_metrics *m, int body)
{
    atomic_fetch_add_explicit(body ? &m->body_timeouts : &m->head_timeouts, 1,
                              memory_order_relaxed);
}

void ecomd_metrics_reservation(ecomd_metrics *m, const char *result)
{
    size_t i = 0;
    while (i < NRESULTS - 1 && strcmp(reservation_results[i], result) != 0) i++;
    atomic_fetch_add_explicit(&m->reservations[i], 1, memory_order_relaxed);
}

void ecomd_metrics_order(ecomd_metrics *m, const char *event)
{
    size_t i = 0;
    while (i < NORDER_EVENTS - 1 && strcmp(order_events[i], event) != 0) i++;
    atomic_fetch_add_explicit(&m->orders[i], 1, memory_order_relaxed);
}

/* A growable text buffer; on allocation failure it stays failed. */
typedef struct text {
    char *p;
    size_t len, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2 && !t->failed; attempt++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) t->failed = 1;
        if (t->failed || (t->p && (size_t)n < t->cap - t->len)) {
            if (!t->failed) t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 8192) + (size_t)n;
        char *grown = realloc(t->p, cap);
        if (!grown)
            t->failed = 1;
        else {
            t->p = grown;
            t->cap = cap;
        }
    }
}

static void render_requests(ecomd_metrics *m, text *t)
{
    put(t, "# HELP ecomd_http_requests_total HTTP requests answered.\n"
           "# TYPE ecomd_http_requests_total counter\n");
    for (int me = 0; me < ECOMD_METHOD_COUNT; me++)
        for (int r = 0; r < m->nroutes; r++)
            for (int s = 0; s < STATUS_SPAN; s++) {
                size_t cell = ((size_t)me * m->nroutes + r) * STATUS_SPAN + s;
                unsigned long long v =
                    atomic_load_explicit(&m->requests[cell], memory_order_relaxed);
                if (v)
                    put(t,
                        "ecomd_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} "
                        "%llu\n",
                        ecomd_method_name(me), ecomd_route_label(r), s + STATUS_MIN, v);
            }
}

static void render_histogram(ecomd_metrics *m, text *t)
{
    put(t, "# HELP ecomd_http_request_duration_seconds Time from request to response.\n"
           "# TYPE ecomd_http_request_duration_seconds histogram\n");
    for (int r = 0; r < m->nroutes; r++) {
        route_hist *h = &m->hist[r];
        unsigned long long count = atomic_load(&h->count);
        if (!count) continue;
        const char *label = ecomd_route_label(r);
        for (int i = 0; i < NBUCKETS; i++)
            put(t, "ecomd_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                label, buckets[i], atomic_load(&h->bucket[i]));
        put(t, "ecomd_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", label,
            count);
        put(t, "ecomd_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n", label,
            (double)atomic_load(&h->sum_ns) / 1e9);
        put(t, "ecomd_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label, count);
    }
}

/* ---- the outbox relay ------------------------------------------------------------------
 * The relay's metrics go here with it: ecomd_relay_published_total (events
 * the broker acknowledged), ecomd_relay_lag_seconds (age of the oldest
 * event not yet published) and ecomd_relay_errors_total.  The alerts
 * (deploy/prometheus/alerts.yaml) and the dashboard (deploy/grafana/)
 * already use these names; the store's outbox gauges are in
 * store_metrics.c. */

char *ecomd_metrics_render(ecomd_metrics *m, int64_t rules_version, long inflight,
                           const char *region, const char *instance, size_t *len)
{
    text t = {0};
    render_requests(m, &t);
    render_histogram(m, &t);
    put(&t, "# HELP ecomd_reservations_total Reservation operations by result.\n"
            "# TYPE ecomd_reservations_total counter\n");
    for (size_t i = 0; i < NRESULTS; i++)
        put(&t, "ecomd_reservations_total{result=\"%s\"} %llu\n", reservation_results[i],
            atomic_load(&m->reservations[i]));
    put(&t, "# HELP ecomd_orders_total Checkouts (created) and applied order events.\n"
            "# TYPE ecomd_orders_total counter\n");
    for (size_t i = 0; i < NORDER_EVENTS; i++)
        put(&t, "ecomd_orders_total{event=\"%s\"} %llu\n", order_events[i],
            atomic_load(&m->orders[i]));
    put(&t,
        "# HELP ecomd_rules_version Version of the active ruleset (0: none).\n"
        "# TYPE ecomd_rules_version gauge\necomd_rules_version %lld\n"
        "# HELP ecomd_store_errors_total Store calls that failed.\n"
        "# TYPE ecomd_store_errors_total counter\necomd_store_errors_total %llu\n"
        "# HELP ecomd_request_head_timeouts_total Connections closed because a request's "
        "line and headers took longer than the request timeout.\n"
        "# TYPE ecomd_request_head_timeouts_total counter\n"
        "ecomd_request_head_timeouts_total %llu\n"
        "# HELP ecomd_request_body_timeouts_total Connections closed because a request's "
        "body was still arriving when the request timeout ran out.\n"
        "# TYPE ecomd_request_body_timeouts_total counter\n"
        "ecomd_request_body_timeouts_total %llu\n"
        "# HELP ecomd_inflight_requests Requests being processed.\n"
        "# TYPE ecomd_inflight_requests gauge\necomd_inflight_requests %ld\n"
        "# HELP ecomd_build_info Build and placement of this instance.\n"
        "# TYPE ecomd_build_info gauge\n"
        "ecomd_build_info{version=\"%s\",region=\"%s\",instance=\"%s\"} 1\n",
        (long long)rules_version, atomic_load(&m->store_errors), atomic_load(&m->head_timeouts),
        atomic_load(&m->body_timeouts), inflight, ec_version_string(), region, instance);
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    *len = t.len;
    return t.p;
}
