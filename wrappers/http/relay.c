/* relay.c - the outbox relay: every outbox event, in id order, to a
 * JetStream stream (relay_nats.c), at least once, with the position kept
 * in the store and advanced only after JetStream acknowledged.
 *
 * Any number of instances run it; the one holding the relay's lease in
 * the store publishes, the others try to take the lease every third of its
 * length and take it once it expired (or was given up, on SIGTERM).  The
 * holder reads a batch after its position, publishes it, and advances the
 * position past the acknowledged part in a transaction that first checks
 * it still holds the lease and that the position is still where it read
 * it (the fencing check).  A holder that lost its lease while publishing
 * therefore moves nothing, and what it published twice JetStream drops by
 * Nats-Msg-Id.  After taking the lease and after a failed round, the
 * holder first looks at the stream's last message: when it is an event
 * past the position (published, but the position not advanced before a
 * crash), the position moves there without publishing again, which keeps
 * the stream free of repeats even after the duplicate window.
 *
 * An instance that cannot reach the broker gives the lease up, so that
 * one that can takes over.  docs/events.md says all this for users. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay.h"

/* The first event after a position: its id and time. */
typedef struct first_event {
    int64_t id, at_us;
    int found;
} first_event;

struct ecomd_relay {
    ecomd_server *srv;
    relay_broker *broker;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    int stop;
    char holder[128]; /* instance, pid and a random part: unique per process */
    /* The loop's own state. */
    int held;
    int64_t position;
    int64_t renewed_ns; /* last claim, or advance (which renews) */
    int synced;         /* looked at the stream's last message since taking the lease */
    relay_msg *batch;   /* events_batch of them */
    size_t n;
    first_event first; /* the batch's first event */
    unsigned failures; /* in a row */
    int64_t logged_ns; /* last failure logged */
    /* Metrics, read by /metrics on any thread. */
    atomic_ullong published;
    atomic_ullong errors;
    atomic_llong lag_us;
    atomic_int leader;
    atomic_int ready;
    int started; /* the thread runs */
};

/* ---- waiting, logging, failures ------------------------------------------------------ */

/* Sleep ms unless stopped; 1 when stopped. */
static int pause_ms(ecomd_relay *r, unsigned ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long long ns = until.tv_nsec + (long long)ms * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&r->mu);
    while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) == 0) {
    }
    int stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    return stop;
}

static int stopping(ecomd_relay *r)
{
    pthread_mutex_lock(&r->mu);
    int stop = r->stop;
    pthread_mutex_unlock(&r->mu);
    return stop;
}

static void log_relay(ecomd_relay *r, const char *level, const char *msg, const char *detail)
{
    char extra[900], quoted[600], stream[160];
    ecomd_json_quote(stream, sizeof stream, r->srv->cfg.events_stream);
    if (!ecomd_json_quote(quoted, sizeof quoted, detail ? detail : "")) strcpy(quoted, "\"\"");
    snprintf(extra, sizeof extra, "\"stream\":%s,\"position\":%lld,\"detail\":%s", stream,
             (long long)r->position, quoted);
    ecomd_log(r->srv, level, msg, extra);
}

/* A failed operation: counted always, logged when a streak starts and
 * then every 30 s of it. */
static void fail(ecomd_relay *r, const char *msg, const char *detail)
{
    atomic_fetch_add(&r->errors, 1);
    int64_t now = ecomd_mono_ns();
    if (r->failures++ == 0 || now - r->logged_ns >= 30000000000LL) {
        r->logged_ns = now;
        log_relay(r, "error", msg, detail);
    }
}

static void recovered(ecomd_relay *r)
{
    if (!r->failures) return;
    char detail[64];
    snprintf(detail, sizeof detail, "after %u failed attempts", r->failures);
    log_relay(r, "info", "the relay works again", detail);
    r->failures = 0;
}

/* After failures: 100 ms doubling, at most a third of the lease (the
 * holder renews before it lapses) and 2 s. */
static unsigned backoff_ms(const ecomd_relay *r)
{
    unsigned ms = 100u << (r->failures < 5 ? r->failures : 5);
    unsigned cap = r->srv->cfg.events_lease_ms / 3;
    if (cap > 2000) cap = 2000;
    return ms < cap ? ms : cap;
}

/* ---- the store: lag, lease and position ---------------------------------------------- */

static ec_status note_first(void *ctx, int64_t id, const char *type, const char *at,
                            const char *data)
{
    (void)type;
    (void)data;
    first_event *f = ctx;
    ec_error err;
    f->found = 1;
    f->id = id;
    if (ec_time_parse(at, strlen(at), &f->at_us, &err) != EC_OK) f->at_us = ecomd_now_us();
    return EC_OK;
}

static void set_lag(ecomd_relay *r, const first_event *f)
{
    int64_t lag = f->found ? ecomd_now_us() - f->at_us : 0;
    atomic_store(&r->lag_us, lag > 0 ? lag : 0);
}

/* The lag as the store has it: the age of the first event after the
 * position. */
static void lag_from_store(ecomd_relay *r)
{
    first_event f = {0};
    ecomd_store *s = r->srv->store;
    if (s->ops->events_each(s, r->position, 1, note_first, &f) == EC_OK) set_lag(r, &f);
}

typedef struct claim_ctx {
    ecomd_relay *r;
    unsigned ttl_ms;
    int held;
    int64_t position;
} claim_ctx;

static ec_status claim_tx(ecomd_tx *tx, void *arg)
{
    claim_ctx *c = arg;
    return c->r->srv->store->ops->relay_claim(tx, c->r->srv->cfg.events_stream, c->r->holder,
                                              c->ttl_ms, &c->held, &c->position);
}

static void set_leader(ecomd_relay *r, int held)
{
    if (held != r->held)
        log_relay(r, "info",
                  held ? "the relay holds the lease: publishing" : "the relay let the lease go",
                  r->holder);
    if (held && !r->held) r->synced = 0;
    r->held = held;
    atomic_store(&r->leader, held);
}

/* Take or renew the lease (ttl_ms > 0), or give it up (0). */
static void claim(ecomd_relay *r, unsigned ttl_ms)
{
    claim_ctx c = {r, ttl_ms, 0, 0};
    ec_status st = ecomd_in_tx(r->srv->store, claim_tx, &c);
    r->renewed_ns = ecomd_mono_ns();
    if (st != EC_OK) {
        ecomd_metrics_store_error(r->srv->metrics);
        fail(r, "the relay cannot reach its lease in the store", NULL);
        set_leader(r, 0); /* not sure to hold it: publish nothing */
        return;
    }
    r->position = c.position;
    set_leader(r, c.held);
    if (!c.held) lag_from_store(r);
}

typedef struct advance_ctx {
    ecomd_relay *r;
    int64_t from, to;
} advance_ctx;

static ec_status advance_tx(ecomd_tx *tx, void *arg)
{
    advance_ctx *a = arg;
    ecomd_relay *r = a->r;
    return r->srv->store->ops->relay_advance(tx, r->srv->cfg.events_stream, r->holder,
                                             r->srv->cfg.events_lease_ms, a->from, a->to);
}

/* Move the position to `to`; 0 when it did not move. */
static int advance(ecomd_relay *r, int64_t to)
{
    advance_ctx a = {r, r->position, to};
    ec_status st = ecomd_in_tx(r->srv->store, advance_tx, &a);
    if (st == EC_VERSION_CONFLICT) {
        log_relay(r, "warn", "the relay lost its lease before it could advance", NULL);
        set_leader(r, 0);
        return 0;
    }
    if (st != EC_OK) {
        ecomd_metrics_store_error(r->srv->metrics);
        fail(r, "the relay cannot advance its position in the store", NULL);
        return 0;
    }
    r->position = to;
    r->renewed_ns = ecomd_mono_ns();
    return 1;
}

/* ---- a round: read, publish, advance ----------------------------------------------------- */

static void batch_clear(ecomd_relay *r)
{
    for (size_t i = 0; i < r->n; i++) free(r->batch[i].payload);
    r->n = 0;
    r->first.found = 0;
}

/* An event's message: the subject of its type, its GET /v1/events document. */
static ec_status add_event(void *ctx, int64_t id, const char *type, const char *at,
                           const char *data)
{
    ecomd_relay *r = ctx;
    if (r->n == 0) note_first(&r->first, id, type, at, data);
    relay_msg *m = &r->batch[r->n];
    if ((size_t)snprintf(m->subject, sizeof m->subject, "ecom.%s", type) >= sizeof m->subject)
        return EC_INTERNAL; /* types are short; a store with a long one is damaged */
    cJSON *doc = ecomd_event_json(id, type, at, data);
    m->payload = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (!m->payload) return EC_NO_MEMORY;
    m->id = id;
    m->len = strlen(m->payload);
    r->n++;
    return EC_OK;
}

/* The stream's last message, when it is an event of this outbox past the
 * position (the same document, byte for byte), becomes the position. */
static void sync_with_stream(ecomd_relay *r)
{
    char err[300];
    int64_t last = 0;
    char *payload = NULL;
    size_t len = 0;
    int found = relay_broker_last(r->broker, &last, &payload, &len, err, sizeof err);
    if (found < 0) {
        fail(r, "the relay cannot read the stream", err);
        return;
    }
    r->synced = 1;
    if (found && last > r->position) {
        ecomd_store *s = r->srv->store;
        batch_clear(r);
        if (s->ops->events_each(s, last - 1, 1, add_event, r) == EC_OK && r->n == 1 &&
            r->batch[0].id == last && r->batch[0].len == len &&
            memcmp(r->batch[0].payload, payload, len) == 0 && advance(r, last)) {
            snprintf(err, sizeof err, "the stream already holds the events up to %lld",
                     (long long)last);
            log_relay(r, "info", "the relay moved to the stream's last event", err);
        }
        batch_clear(r);
    }
    free(payload);
}

/* One round: 1 when a full batch went out (more may wait), 0 when the
 * relay caught up, -1 when it failed. */
static int publish_round(ecomd_relay *r)
{
    ecomd_store *s = r->srv->store;
    batch_clear(r);
    ec_status st = s->ops->events_each(s, r->position, (int)r->srv->cfg.events_batch, add_event, r);
    if (st != EC_OK) {
        batch_clear(r);
        if (st == EC_UNAVAILABLE) ecomd_metrics_store_error(r->srv->metrics);
        fail(r, "the relay cannot read the outbox", NULL);
        return -1;
    }
    set_lag(r, &r->first); /* the batch's first event is the oldest not yet published */
    if (!r->n) return 0;
    char err[300];
    size_t acked = relay_broker_publish(r->broker, r->batch, r->n, err, sizeof err);
    int moved = acked && advance(r, r->batch[acked - 1].id);
    if (moved) atomic_fetch_add(&r->published, (unsigned long long)acked);
    if (acked < r->n) fail(r, "JetStream did not acknowledge every event of a batch", err);
    if (acked < r->n || !moved) {
        r->synced = 0; /* what did the stream get? */
        return -1;
    }
    recovered(r);
    return r->n == r->srv->cfg.events_batch;
}

/* ---- the loop -------------------------------------------------------------------------------- */

static void *relay_loop(void *arg)
{
    ecomd_relay *r = arg;
    const ecomd_config *cfg = &r->srv->cfg;
    int64_t third_ns = (int64_t)cfg->events_lease_ms * 1000000 / 3;
    while (!stopping(r)) {
        char err[300];
        int ready = relay_broker_ready(r->broker, err, sizeof err);
        if (!ready) fail(r, "the relay cannot reach the broker or its stream", err);
        if (ready && !atomic_load(&r->ready)) recovered(r);
        atomic_store(&r->ready, ready);
        /* Holding it, renew a third into the lease; not holding it, try
         * as often.  One that cannot reach the broker gives it up. */
        if (!r->renewed_ns || ecomd_mono_ns() - r->renewed_ns >= third_ns || (r->held && !ready))
            claim(r, ready ? cfg->events_lease_ms : 0);
        if (!ready || !r->held) {
            if (pause_ms(r, ready ? cfg->events_lease_ms / 3 : backoff_ms(r))) break;
            continue;
        }
        if (!r->synced) sync_with_stream(r);
        int more = r->synced ? publish_round(r) : -1;
        if (more < 0 && pause_ms(r, backoff_ms(r))) break;
        if (more == 0 && pause_ms(r, cfg->events_poll_ms)) break;
    }
    if (r->held) claim(r, 0); /* the next instance need not wait for it to lapse */
    return NULL;
}

/* ---- start, stop, readiness, metrics ---------------------------------------------------- */

ecomd_relay *ecomd_relay_start(ecomd_server *srv)
{
    ecomd_relay *r = calloc(1, sizeof *r);
    char err[300] = "out of memory";
    if (r) r->batch = calloc(srv->cfg.events_batch, sizeof *r->batch);
    /* Acknowledgments are awaited at most half the lease: the holder's
     * round ends, and its advance checks the lease, before it lapses. */
    if (r && r->batch)
        r->broker = relay_broker_new(&srv->cfg, srv->cfg.events_lease_ms / 2, err, sizeof err);
    if (!r || !r->broker) {
        fprintf(stderr, "ecomd: the outbox relay cannot start: %s\n", err);
        if (r) free(r->batch);
        free(r);
        return NULL;
    }
    r->srv = srv;
    unsigned char rnd[4];
    ecomd_random(rnd, sizeof rnd);
    snprintf(r->holder, sizeof r->holder, "%s:%ld:%02x%02x%02x%02x", srv->cfg.instance,
             (long)getpid(), rnd[0], rnd[1], rnd[2], rnd[3]);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&r->thread, NULL, relay_loop, r) != 0) {
        fprintf(stderr, "ecomd: cannot start the outbox relay's thread\n");
        ecomd_relay_stop(r);
        return NULL;
    }
    r->started = 1;
    return r;
}

void ecomd_relay_stop(ecomd_relay *r)
{
    if (!r) return;
    if (r->started) {
        pthread_mutex_lock(&r->mu);
        r->stop = 1;
        pthread_cond_signal(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->thread, NULL);
    }
    batch_clear(r);
    free(r->batch);
    relay_broker_free(r->broker);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

int ecomd_relay_ready(ecomd_relay *r)
{
    return r && atomic_load(&r->ready); /* as the loop last found it */
}

char *ecomd_relay_metrics(ecomd_relay *r, char *text, size_t *len)
{
    char buf[1200];
    int n = snprintf(
        buf, sizeof buf,
        "# HELP ecomd_relay_published_total Outbox events this instance published to JetStream"
        " and JetStream acknowledged.\n"
        "# TYPE ecomd_relay_published_total counter\necomd_relay_published_total %llu\n"
        "# HELP ecomd_relay_lag_seconds Age of the oldest outbox event not yet published"
        " (0 when none).\n"
        "# TYPE ecomd_relay_lag_seconds gauge\necomd_relay_lag_seconds %.6f\n"
        "# HELP ecomd_relay_errors_total Relay operations that failed (reaching the broker,"
        " a batch not acknowledged, a store call).\n"
        "# TYPE ecomd_relay_errors_total counter\necomd_relay_errors_total %llu\n"
        "# HELP ecomd_relay_leader 1 while this instance holds the relay's lease and publishes.\n"
        "# TYPE ecomd_relay_leader gauge\necomd_relay_leader %d\n",
        atomic_load(&r->published), (double)atomic_load(&r->lag_us) / 1e6, atomic_load(&r->errors),
        atomic_load(&r->leader));
    char *grown = n > 0 && (size_t)n < sizeof buf ? realloc(text, *len + (size_t)n + 1) : NULL;
    if (!grown) {
        free(text);
        return NULL;
    }
    memcpy(grown + *len, buf, (size_t)n + 1);
    *len += (size_t)n;
    return grown;
}
