/* relay_nats.c - the relay's side of JetStream, through the NATS C client
 * (libnats): the connection, the stream, batches published asynchronously
 * with their acknowledgments awaited, and the stream's last message.
 *
 * Order.  Every message after the first of a batch carries the previous
 * event's id as Nats-Expected-Last-Msg-Id, so JetStream stores a message
 * only right after its predecessor: when one is lost (a broker restart, a
 * refusal), every later one of the batch is refused too, and what the
 * stream holds is always every event up to some id, in id order.  The
 * first of a batch needs no such header: the batch starts after the
 * relay's position, which JetStream had acknowledged.  JetStream checks
 * Nats-Msg-Id before the expected id (nats-server 2.9), so a repeat of an
 * event it already holds is acknowledged as a duplicate and not stored. */
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

/* What became of each message of the batch being published. */
enum { PENDING = 0, ACKED, FAILED };

struct relay_broker {
    natsOptions *opts;
    natsConnection *nc;
    jsCtx *js;
    char *stream;
    int64_t dedupe_ns;
    unsigned ack_ms;
    int stream_ok;
    /* The batch in flight, for the acknowledgment handler (libnats'
     * thread); batch is NULL between rounds. */
    pthread_mutex_t mu;
    const relay_msg *batch;
    size_t n;
    unsigned char *state;
    size_t state_cap;
    char refusal[200]; /* why the first message that failed did */
};

/* A URL list libnats will take: nats:// or tls:// URLs, comma-separated. */
static int urls_ok(const char *urls)
{
    const char *p = urls;
    do {
        while (*p == ' ') p++;
        if (strncmp(p, "nats://", 7) != 0 && strncmp(p, "tls://", 6) != 0) return 0;
        p = strchr(p, ',');
    } while (p && *++p);
    return !p;
}

static void status_text(char *err, size_t size, const char *what, natsStatus s)
{
    const char *detail = nats_GetLastError(NULL);
    snprintf(err, size, "%s: %s%s%s", what, natsStatus_GetText(s), detail ? ": " : "",
             detail ? detail : "");
}

relay_broker *relay_broker_new(const ecomd_config *cfg, unsigned ack_ms, char *err, size_t size)
{
    if (!urls_ok(cfg->events_url)) {
        snprintf(err, size, "--events takes nats://HOST:PORT URLs (or tls://), comma-separated");
        return NULL;
    }
    relay_broker *b = calloc(1, sizeof *b);
    if (!b || !(b->stream = strdup(cfg->events_stream))) {
        free(b);
        snprintf(err, size, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&b->mu, NULL);
    b->dedupe_ns = (int64_t)cfg->events_dedupe_s * 1000000000;
    b->ack_ms = ack_ms;
    char name[160];
    snprintf(name, sizeof name, "ecomd-relay %s/%s", cfg->region, cfg->instance);
    /* Reconnect for ever, promptly.  What is published while the
     * connection is down waits in libnats' buffer and goes out on
     * reconnecting; the relay has given up on its acknowledgments by then
     * and retries the batch after finding what the stream got. */
    natsStatus s = natsOptions_Create(&b->opts);
    if (s == NATS_OK) s = natsOptions_SetURL(b->opts, cfg->events_url);
    if (s == NATS_OK) s = natsOptions_SetName(b->opts, name);
    if (s == NATS_OK) s = natsOptions_SetTimeout(b->opts, 2000);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(b->opts, -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(b->opts, 250);
    if (s == NATS_OK) s = natsOptions_SetPingInterval(b->opts, 5000);
    /* A server that requires TLS gets it anyway (its certificate checked
     * against the system's CAs and the URL's host name); --events-ca
     * names the CAs of a private PKI, and makes TLS a requirement. */
    if (s == NATS_OK && cfg->events_ca) s = natsOptions_SetSecure(b->opts, true);
    if (s == NATS_OK && cfg->events_ca)
        s = natsOptions_LoadCATrustedCertificates(b->opts, cfg->events_ca);
    if (s != NATS_OK) {
        status_text(err, size, "the NATS client refused its options", s);
        relay_broker_free(b);
        return NULL;
    }
    return b;
}

static void disconnect(relay_broker *b)
{
    jsCtx_Destroy(b->js);
    b->js = NULL;
    if (b->nc) {
        natsConnection_Close(b->nc);
        natsConnection_Destroy(b->nc);
    }
    b->nc = NULL;
    b->stream_ok = 0;
}

void relay_broker_free(relay_broker *b)
{
    if (!b) return;
    disconnect(b);
    natsOptions_Destroy(b->opts);
    pthread_mutex_destroy(&b->mu);
    free(b->state);
    free(b->stream);
    free(b);
    /* libnats' own threads and globals, waited for so that nothing of it
     * outlives the process's orderly exit. */
    nats_CloseAndWait(2000);
}

int relay_broker_connected(relay_broker *b)
{
    return b->nc && natsConnection_Status(b->nc) == NATS_CONN_STATUS_CONNECTED;
}

/* Binary search of the batch (ids increase) for the message with id. */
static long batch_index(const relay_msg *m, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && m[lo].id == id ? (long)lo : -1;
}

/* libnats' thread: one acknowledgment, positive or not, of a message. */
static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    (void)js;
    relay_broker *b = closure;
    const char *id = NULL;
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id) {
        pthread_mutex_lock(&b->mu);
        long i = b->batch ? batch_index(b->batch, b->n, strtoll(id, NULL, 10)) : -1;
        if (i >= 0 && pa) b->state[i] = ACKED;
        if (i >= 0 && !pa && b->state[i] != ACKED) {
            b->state[i] = FAILED;
            if (!b->refusal[0])
                snprintf(b->refusal, sizeof b->refusal, "event %s: %s", id,
                         pae && pae->ErrText ? pae->ErrText : "not acknowledged");
        }
        pthread_mutex_unlock(&b->mu);
    }
    natsMsg_Destroy(msg);
}

/* The stream: found, or created with subjects ecom.> and the duplicate
 * window.  An existing stream is left as it is (an operator may have made
 * it with replicas and limits of their own). */
static int ensure_stream(relay_broker *b, char *err, size_t size)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus s = js_GetStreamInfo(&si, b->js, b->stream, NULL, &jerr);
    jsStreamInfo_Destroy(si);
    if (s == NATS_OK) return 1;
    if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr) {
        status_text(err, size, "cannot read the stream", s);
        return 0;
    }
    const char *subjects[1] = {"ecom.>"};
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    sc.Name = b->stream;
    sc.Description = "ecomd's outbox events, subject ecom.<type>, Nats-Msg-Id the event id";
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Duplicates = b->dedupe_ns;
    s = js_AddStream(&si, b->js, &sc, NULL, &jerr);
    jsStreamInfo_Destroy(si);
    if (s == NATS_OK || jerr == JSStreamNameExistErr) return 1; /* another instance made it */
    status_text(err, size, "cannot create the stream", s);
    return 0;
}

int relay_broker_ready(relay_broker *b, char *err, size_t size)
{
    if (b->nc && natsConnection_Status(b->nc) == NATS_CONN_STATUS_CLOSED) disconnect(b);
    if (!b->nc) {
        natsStatus s = natsConnection_Connect(&b->nc, b->opts);
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.Wait = b->ack_ms;
        jo.PublishAsync.AckHandler = on_ack;
        jo.PublishAsync.AckHandlerClosure = b;
        if (s == NATS_OK) s = natsConnection_JetStream(&b->js, b->nc, &jo);
        if (s != NATS_OK) {
            status_text(err, size, "cannot connect to the broker", s);
            disconnect(b);
            return 0;
        }
    }
    if (!relay_broker_connected(b)) {
        snprintf(err, size, "not connected to the broker (reconnecting)");
        b->stream_ok = 0;
        return 0;
    }
    if (!b->stream_ok) b->stream_ok = ensure_stream(b, err, size);
    return b->stream_ok;
}

/* Send the batch; returns how many were handed to the connection. */
static size_t send_batch(relay_broker *b, const relay_msg *msgs, size_t n, char *err, size_t size)
{
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = b->ack_ms;
    char id[24], prev[24];
    for (size_t i = 0; i < n; i++) {
        natsMsg *m = NULL;
        snprintf(id, sizeof id, "%lld", (long long)msgs[i].id);
        natsStatus s = natsMsg_Create(&m, msgs[i].subject, NULL, msgs[i].payload, (int)msgs[i].len);
        if (s == NATS_OK) s = natsMsgHeader_Set(m, "Nats-Msg-Id", id);
        if (s == NATS_OK && i > 0) s = natsMsgHeader_Set(m, "Nats-Expected-Last-Msg-Id", prev);
        if (s == NATS_OK) s = js_PublishMsgAsync(b->js, &m, &po);
        natsMsg_Destroy(m); /* NULL once the library took it */
        if (s != NATS_OK) {
            char what[64];
            snprintf(what, sizeof what, "cannot publish event %s", id);
            status_text(err, size, what, s);
            return i;
        }
        memcpy(prev, id, sizeof prev);
    }
    return n;
}

/* Wait for the acknowledgments, at most ack_ms and not past a lost
 * connection; then drop what is still pending (late answers are ignored). */
static void await_acks(relay_broker *b)
{
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = 50;
    int64_t deadline = ecomd_mono_ns() + (int64_t)(b->ack_ms + 100) * 1000000;
    while (js_PublishAsyncComplete(b->js, &po) == NATS_TIMEOUT && relay_broker_connected(b) &&
           ecomd_mono_ns() < deadline) {
    }
    natsMsgList pending = {0};
    if (js_PublishAsyncGetPendingList(&pending, b->js) == NATS_OK) natsMsgList_Destroy(&pending);
}

size_t relay_broker_publish(relay_broker *b, const relay_msg *msgs, size_t n, char *err,
                            size_t size)
{
    if (n > b->state_cap) {
        unsigned char *grown = realloc(b->state, n);
        if (!grown) {
            snprintf(err, size, "out of memory");
            return 0;
        }
        b->state = grown;
        b->state_cap = n;
    }
    pthread_mutex_lock(&b->mu);
    memset(b->state, PENDING, n);
    b->refusal[0] = '\0';
    b->batch = msgs;
    b->n = n;
    pthread_mutex_unlock(&b->mu);
    err[0] = '\0';
    size_t sent = send_batch(b, msgs, n, err, size);
    await_acks(b);
    pthread_mutex_lock(&b->mu);
    size_t acked = 0;
    while (acked < sent && b->state[acked] == ACKED) acked++;
    if (acked < n && !err[0])
        snprintf(err, size, "%s",
                 b->refusal[0] ? b->refusal : "no acknowledgment in time (connection lost?)");
    b->batch = NULL;
    pthread_mutex_unlock(&b->mu);
    if (acked < n) b->stream_ok = 0; /* check it again: it may have been deleted */
    return acked;
}

int relay_broker_last(relay_broker *b, int64_t *id, char **payload, size_t *len, char *err,
                      size_t size)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    *payload = NULL;
    natsStatus s = js_GetStreamInfo(&si, b->js, b->stream, NULL, &jerr);
    uint64_t last = s == NATS_OK ? si->State.LastSeq : 0;
    uint64_t count = s == NATS_OK ? si->State.Msgs : 0;
    jsStreamInfo_Destroy(si);
    if (s != NATS_OK) {
        status_text(err, size, "cannot read the stream", s);
        return -1;
    }
    if (count == 0) return 0;
    natsMsg *m = NULL;
    s = js_GetMsg(&m, b->js, b->stream, last, NULL, &jerr);
    if (s != NATS_OK) {
        natsMsg_Destroy(m);
        if (jerr == JSNoMessageFoundErr) return 0; /* removed since */
        status_text(err, size, "cannot read the stream's last message", s);
        return -1;
    }
    const char *text = NULL;
    char *end = NULL;
    int found = natsMsgHeader_Get(m, "Nats-Msg-Id", &text) == NATS_OK && text && *text;
    if (found) *id = strtoll(text, &end, 10);
    found = found && *end == '\0';
    if (found) {
        *len = (size_t)natsMsg_GetDataLength(m);
        if ((*payload = malloc(*len + 1))) {
            memcpy(*payload, natsMsg_GetData(m), *len);
            (*payload)[*len] = '\0';
        } else {
            found = 0;
        }
    }
    natsMsg_Destroy(m);
    return found;
}
