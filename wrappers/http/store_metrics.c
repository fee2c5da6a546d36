/* store_metrics.c - what /metrics says about the store: how long its calls
 * take (ecomd_store_duration_seconds{op}) and the ends of its outbox.
 *
 * The timings come from a layer over the adapter's table of functions
 * (store.h): ecomd_store_observe copies the table, puts a timed function
 * in place of each, and points the store at the copy, so that the
 * handlers and both adapters stay as they are and every call is counted
 * once, whoever makes it.  A function the layer does not know (added to
 * the table later) keeps the adapter's own and goes untimed.  A timed
 * call that takes a transaction finds its store through the transaction,
 * whose first member is a pointer to the adapter's state (store.h).
 *
 * Calls are grouped into a few kinds, so that the label set stays small
 * and each kind means one thing to an operator: `lock` is the wait for
 * the rows and keys a write locks (stock rows, an order, a cart, an
 * Idempotency-Key), `commit` includes SQLite's group commit and its
 * fsync, `sweep` the sweeper's transactions. */
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

enum { K_PING, K_READ, K_LIST, K_BEGIN, K_LOCK, K_WRITE, K_COMMIT, K_ROLLBACK, K_SWEEP, NKINDS };
static const char *const kind_names[NKINDS] = {"ping",  "read",   "list",     "begin", "lock",
                                               "write", "commit", "rollback", "sweep"};

#define NBUCKETS 16
/* Seconds, as the HTTP histogram's: a read takes tens of microseconds. */
static const double buckets[NBUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                         0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};

struct ecomd_store_metrics {
    ecomd_store_ops ops; /* the adapter's table, timed */
    atomic_ullong bucket[NKINDS][NBUCKETS];
    atomic_ullong count[NKINDS];
    atomic_ullong sum_ns[NKINDS];
    /* The outbox's ends as the poller last read them (known: 1). */
    atomic_int outbox_known;
    atomic_llong first_id, first_at_us, last_id, last_at_us;
};

static void record(ecomd_store *s, int kind, int64_t t0)
{
    struct ecomd_store_metrics *m = s->metrics;
    int64_t ns = ecomd_mono_ns() - t0;
    double seconds = (double)ns / 1e9;
    for (int i = 0; i < NBUCKETS; i++)
        if (seconds <= buckets[i])
            atomic_fetch_add_explicit(&m->bucket[kind][i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count[kind], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_ns[kind], (unsigned long long)ns, memory_order_relaxed);
}

/* The store a transaction belongs to (see store.h). */
static ecomd_store *tx_store(ecomd_tx *tx)
{
    ecomd_store *s;
    memcpy(&s, (void *)tx, sizeof s);
    return s;
}

/* Time one call of the adapter's function `fn` as `kind`. */
#define TIMED(store, kind, fn, ...)                                                                \
    do {                                                                                           \
        ecomd_store *s_ = (store);                                                                 \
        int64_t t0_ = ecomd_mono_ns();                                                             \
        ec_status rc_ = s_->adapter->fn(__VA_ARGS__);                                              \
        record(s_, (kind), t0_);                                                                   \
        return rc_;                                                                                \
    } while (0)

/* ---- the timed table ----------------------------------------------------------------------- */

static ec_status t_ping(ecomd_store *s)
{
    TIMED(s, K_PING, ping, s);
}

static ec_status t_rules_current(ecomd_store *s, int64_t *version, char **body, size_t *len)
{
    TIMED(s, K_READ, rules_current, s, version, body, len);
}

static ec_status t_events_list(ecomd_store *s, int64_t after, int limit, char **json, size_t *len,
                               int64_t *next)
{
    TIMED(s, K_READ, events_list, s, after, limit, json, len, next);
}

static ec_status t_tx_begin(ecomd_store *s, ecomd_tx **tx)
{
    TIMED(s, K_BEGIN, tx_begin, s, tx);
}

static ec_status t_tx_commit(ecomd_tx *tx)
{
    ecomd_store *s = tx_store(tx); /* the tx is gone after the call */
    TIMED(s, K_COMMIT, tx_commit, tx);
}

static void t_tx_rollback(ecomd_tx *tx)
{
    if (!tx) return;
    ecomd_store *s = tx_store(tx);
    int64_t t0 = ecomd_mono_ns();
    s->adapter->tx_rollback(tx);
    record(s, K_ROLLBACK, t0);
}

static ec_status t_write_probe(ecomd_tx *tx)
{
    TIMED(tx_store(tx), K_WRITE, write_probe, tx);
}

static ec_status t_rules_insert(ecomd_tx *tx, const char *body, size_t len, int64_t expected,
                                int64_t at_us, int64_t *version)
{
    TIMED(tx_store(tx), K_WRITE, rules_insert, tx, body, len, expected, at_us, version);
}

static ec_status t_event_add(ecomd_tx *tx, const char *type, const char *data, int64_t at_us)
{
    TIMED(tx_store(tx), K_WRITE, event_add, tx, type, data, at_us);
}

static ec_status t_idem_get(ecomd_tx *tx, const char *owner, const char *key, ecomd_idem *out)
{
    TIMED(tx_store(tx), K_LOCK, idem_get, tx, owner, key, out);
}

static ec_status t_idem_put(ecomd_tx *tx, const char *owner, const char *key,
                            const unsigned char hash[32], unsigned status, const char *body,
                            size_t len, int64_t at_us)
{
    TIMED(tx_store(tx), K_WRITE, idem_put, tx, owner, key, hash, status, body, len, at_us);
}

static ec_status t_stock_load(ecomd_tx *tx, const ecomd_skus *skus, const char *id, int64_t now_us,
                              ecomd_stock *stock)
{
    TIMED(tx_store(tx), K_LOCK, stock_load, tx, skus, id, now_us, stock);
}

static ec_status t_stock_save(ecomd_tx *tx, const ecomd_stock *stock)
{
    TIMED(tx_store(tx), K_WRITE, stock_save, tx, stock);
}

static ec_status t_stock_read(ecomd_store *s, const ecomd_skus *skus, const char *id,
                              int64_t now_us, ecomd_stock *stock)
{
    TIMED(s, K_READ, stock_read, s, skus, id, now_us, stock);
}

static ec_status t_cart_get(ecomd_store *s, ecomd_tx *tx, const char *id, int64_t *version,
                            char **doc)
{
    TIMED(s, tx ? K_LOCK : K_READ, cart_get, s, tx, id, version, doc);
}

static ec_status t_cart_put(ecomd_tx *tx, const char *id, int64_t version, const char *doc,
                            int64_t at_us)
{
    TIMED(tx_store(tx), K_WRITE, cart_put, tx, id, version, doc, at_us);
}

static ec_status t_order_get(ecomd_store *s, ecomd_tx *tx, const char *id, ec_order *order)
{
    TIMED(s, tx ? K_LOCK : K_READ, order_get, s, tx, id, order);
}

static ec_status t_order_put(ecomd_tx *tx, const ec_order *order, const char *doc,
                             const char *cart_id, int64_t due_us, int64_t at_us, char **existing)
{
    TIMED(tx_store(tx), K_WRITE, order_put, tx, order, doc, cart_id, due_us, at_us, existing);
}

static ec_status t_orders_due(ecomd_store *s, int64_t now_us, int limit, char **ids)
{
    TIMED(s, K_READ, orders_due, s, now_us, limit, ids);
}

static ec_status t_order_of_cart(ecomd_tx *tx, const char *cart_id, char **order_id)
{
    TIMED(tx_store(tx), K_WRITE, order_of_cart, tx, cart_id, order_id);
}

static ec_status t_promotion_counts(ecomd_store *s, ecomd_tx *tx, ec_cart *cart)
{
    TIMED(s, tx ? K_WRITE : K_READ, promotion_counts, s, tx, cart);
}

static ec_status t_promotion_spend(ecomd_tx *tx, const char *order_id,
                                   const ecomd_promotion_use *use)
{
    TIMED(tx_store(tx), K_WRITE, promotion_spend, tx, order_id, use);
}

static ec_status t_promotion_give_back(ecomd_tx *tx, const char *order_id)
{
    TIMED(tx_store(tx), K_WRITE, promotion_give_back, tx, order_id);
}

static ec_status t_promotion_lock(ecomd_tx *tx, const char *key)
{
    TIMED(tx_store(tx), K_LOCK, promotion_lock, tx, key);
}

static ec_status t_reservations_expire(ecomd_store *s, int64_t now_us, int64_t *count)
{
    TIMED(s, K_SWEEP, reservations_expire, s, now_us, count);
}

static ec_status t_prune(ecomd_store *s, int64_t keys_before_us, int64_t events_before_us,
                         int64_t *count)
{
    TIMED(s, K_SWEEP, prune, s, keys_before_us, events_before_us, count);
}

static ec_status t_list(ecomd_store *s, const ecomd_list_query *q, ecomd_rows *rows)
{
    TIMED(s, K_LIST, list, s, q, rows);
}

static ec_status t_outbox_ends(ecomd_store *s, ecomd_outbox_ends *out)
{
    TIMED(s, K_READ, outbox_ends, s, out);
}

static ec_status t_events_each(ecomd_store *s, int64_t after, int limit, ecomd_event_fn fn,
                               void *ctx)
{
    TIMED(s, K_READ, events_each, s, after, limit, fn, ctx);
}

static ec_status t_relay_claim(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                               int *held, int64_t *position)
{
    TIMED(tx_store(tx), K_WRITE, relay_claim, tx, name, holder, ttl_ms, held, position);
}

static ec_status t_relay_advance(ecomd_tx *tx, const char *name, const char *holder,
                                 unsigned ttl_ms, int64_t from, int64_t to)
{
    TIMED(tx_store(tx), K_WRITE, relay_advance, tx, name, holder, ttl_ms, from, to);
}

/* The adapter closes, then the layer goes. */
static void t_close(ecomd_store *s)
{
    struct ecomd_store_metrics *m = s->metrics;
    s->adapter->close(s);
    free(m);
}

/* Each timed function replaces the adapter's, where the adapter has one. */
#define TIME(field)                                                                                \
    if (ops->field) ops->field = t_##field

static void time_table(ecomd_store_ops *ops)
{
    TIME(ping);
    TIME(close);
    TIME(rules_current);
    TIME(events_list);
    TIME(tx_begin);
    TIME(tx_commit);
    TIME(tx_rollback);
    TIME(write_probe);
    TIME(rules_insert);
    TIME(event_add);
    TIME(idem_get);
    TIME(idem_put);
    TIME(stock_load);
    TIME(stock_save);
    TIME(stock_read);
    TIME(cart_get);
    TIME(cart_put);
    TIME(order_get);
    TIME(order_put);
    TIME(orders_due);
    TIME(order_of_cart);
    TIME(promotion_counts);
    TIME(promotion_spend);
    TIME(promotion_give_back);
    TIME(promotion_lock);
    TIME(reservations_expire);
    TIME(prune);
    TIME(list);
    TIME(outbox_ends);
    TIME(events_each);
    TIME(relay_claim);
    TIME(relay_advance);
}

int ecomd_store_observe(ecomd_store *s)
{
    if (s->metrics) return 1;
    struct ecomd_store_metrics *m = calloc(1, sizeof *m);
    if (!m) return 0;
    m->ops = *s->ops;
    time_table(&m->ops);
    s->adapter = s->ops;
    s->metrics = m;
    s->ops = &m->ops;
    return 1;
}

/* ---- the outbox ----------------------------------------------------------------------------- */

void ecomd_store_outbox_refresh(ecomd_store *s)
{
    struct ecomd_store_metrics *m = s->metrics;
    ecomd_outbox_ends ends;
    if (!m || !s->ops->outbox_ends || s->ops->outbox_ends(s, &ends) != EC_OK) return;
    atomic_store(&m->first_id, ends.first_id);
    atomic_store(&m->first_at_us, ends.first_at_us);
    atomic_store(&m->last_id, ends.last_id);
    atomic_store(&m->last_at_us, ends.last_at_us);
    atomic_store(&m->outbox_known, 1);
}

/* The outbox gauges (docs/operations.md, "Outbox"): none until the poller
 * has read the ends once; the ages are 0 for an empty outbox. */
static void render_outbox(struct ecomd_store_metrics *m, ecomd_doc *d)
{
    if (!atomic_load(&m->outbox_known)) return;
    int64_t now = ecomd_now_us(), last = atomic_load(&m->last_id);
    double oldest = last ? (double)(now - atomic_load(&m->first_at_us)) / 1e6 : 0;
    double newest = last ? (double)(now - atomic_load(&m->last_at_us)) / 1e6 : 0;
    ecomd_doc_printf(
        d,
        "# HELP ecomd_outbox_last_event_id Id of the newest outbox event (0: none).\n"
        "# TYPE ecomd_outbox_last_event_id gauge\necomd_outbox_last_event_id %lld\n"
        "# HELP ecomd_outbox_oldest_event_age_seconds Age of the oldest event the "
        "outbox still keeps: how far back a consumer can resume.\n"
        "# TYPE ecomd_outbox_oldest_event_age_seconds gauge\n"
        "ecomd_outbox_oldest_event_age_seconds %.3f\n"
        "# HELP ecomd_outbox_newest_event_age_seconds Age of the newest outbox event.\n"
        "# TYPE ecomd_outbox_newest_event_age_seconds gauge\n"
        "ecomd_outbox_newest_event_age_seconds %.3f\n",
        (long long)last, oldest > 0 ? oldest : 0, newest > 0 ? newest : 0);
}

void ecomd_store_metrics_render(ecomd_store *s, ecomd_doc *d)
{
    struct ecomd_store_metrics *m = s->metrics;
    if (!m) return;
    ecomd_doc_lit(d,
                  "# HELP ecomd_store_duration_seconds Store calls by kind (docs/operations.md).\n"
                  "# TYPE ecomd_store_duration_seconds histogram\n");
    for (int k = 0; k < NKINDS; k++) {
        unsigned long long count = atomic_load(&m->count[k]);
        for (int i = 0; i < NBUCKETS; i++)
            ecomd_doc_printf(d, "ecomd_store_duration_seconds_bucket{op=\"%s\",le=\"%g\"} %llu\n",
                             kind_names[k], buckets[i], atomic_load(&m->bucket[k][i]));
        ecomd_doc_printf(d,
                         "ecomd_store_duration_seconds_bucket{op=\"%s\",le=\"+Inf\"} %llu\n"
                         "ecomd_store_duration_seconds_sum{op=\"%s\"} %.9f\n"
                         "ecomd_store_duration_seconds_count{op=\"%s\"} %llu\n",
                         kind_names[k], count, kind_names[k],
                         (double)atomic_load(&m->sum_ns[k]) / 1e9, kind_names[k], count);
    }
    render_outbox(m, d);
}
