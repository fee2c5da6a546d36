/* conns.c - the request clock: a registry of live connections and a
 * sweeper thread that cuts off clients whose request (request line,
 * headers and body) is still arriving --request-timeout after its first
 * byte; and the request each connection is serving, so that none is lost.
 *
 * MHD calls ecomd only once a request's headers are complete, and its idle
 * --timeout restarts on every byte, so without this a client sending one
 * header byte every few seconds holds its connection (and a slot of the
 * connection limits) for ever.
 *
 * The clock of a request starts at its first byte, not when the previous
 * request on the connection completed: an idle kept-alive connection sends
 * nothing and stays governed by --timeout alone.  MHD reads the socket
 * itself, so the first byte is seen in the kernel's count of bytes
 * received on the socket (TCP_INFO): the sweeper starts the clock once the
 * count passes the one taken when the previous request completed, and the
 * request line arriving starts it at the latest.
 *
 * The body is on the same clock: MHD 0.9.75 calls the access handler only
 * when body bytes arrive, so a body that stops arriving would otherwise
 * be held (with its buffer) until the idle --timeout.
 *
 * MHD calls the completion callback only for requests it closes through
 * its orderly path: on some errors in a request head (too many query
 * arguments for the connection's memory pool, a malformed Content-Length)
 * it drops the connection without it.  Each connection record therefore
 * holds the request it serves, and a request still held when the
 * connection closes is finished here (logged, counted, freed, answered
 * when nothing was written for it yet).
 *
 * Locking: the registry's mutex guards the list and keeps each listed fd
 * open (see ecomd_conns_closed); each record's own mutex guards its clock,
 * so requests never wait for a sweep to walk the list. */
#define _GNU_SOURCE /* MHD's headers want sockaddr types fully declared */
#include <arpa/inet.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received; glibc's lacks it */
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/sockios.h> /* SIOCOUTQ */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "ecomd.h"

#define SWEEP_MS 250

enum {
    HEAD_WAIT, /* no byte of the next request yet: --timeout's business */
    HEAD_OPEN, /* the request head is arriving: the clock runs */
    BODY_OPEN, /* headers complete, the body is arriving: the clock runs on */
    SERVING,   /* the request is in: the handler has it, no clock */
    CUT        /* the sweeper shut the socket down */
};

struct ecomd_conn {
    ecomd_conn *prev, *next; /* guarded by the registry's mutex */
    int fd;
    char client[INET6_ADDRSTRLEN];
    pthread_mutex_t mu; /* guards the fields below */
    int phase;
    uint64_t baseline; /* bytes received when the previous request completed */
    int64_t start_ns;  /* when the current request's head began */
    /* Only MHD's thread of the connection touches these two. */
    ecomd_request *req; /* the request being served, from on_uri to completion */
    uint64_t written;   /* bytes written on the socket when it began */
};

struct ecomd_conns {
    ecomd_server *srv;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ecomd_conn *head;
    int stop;
    pthread_t thread;
};

/* ---- the kernel's byte count ---------------------------------------------------- */

/* Bytes received on a TCP socket since it was opened into *out; returns 0
 * when the kernel cannot tell (Linux before 4.1).  The sweeper then starts
 * the clock at once, so idle kept-alive connections would be cut after
 * --request-timeout rather than let a slow head through. */
static int bytes_received(int fd, uint64_t *out)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
        return 0;
    *out = ti.tcpi_bytes_received;
    return 1;
}

/* Bytes the server has written on a TCP socket since it was opened: those
 * acknowledged plus those still queued (SIOCOUTQ counts the unacknowledged
 * and the unsent), or UINT64_MAX when the kernel cannot tell. */
static uint64_t bytes_written(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    int queued = 0;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof ti.tcpi_bytes_acked ||
        ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0)
        return UINT64_MAX;
    return ti.tcpi_bytes_acked + (uint64_t)queued;
}

/* Whether nothing was written on c's socket since its request began. */
static int nothing_written(const ecomd_conn *c)
{
    uint64_t now = bytes_written(c->fd);
    return now != UINT64_MAX && now == c->written;
}

/* ---- the sweeper ------------------------------------------------------------------ */

/* Called with the registry locked, which keeps c->fd c's socket. */
static void cut(ecomd_conns *cs, ecomd_conn *c, int64_t waited_ns, int body)
{
    /* MHD's thread sees end-of-file, closes the connection and cleans up
     * (a request already begun is logged with status 408).  MHD 0.9.75
     * takes no response while it reads a body, so none is sent. */
    shutdown(c->fd, SHUT_RDWR);
    ecomd_metrics_request_timeout(cs->srv->metrics, body);
    char extra[160];
    snprintf(extra, sizeof extra, "\"client\":\"%s\",\"waited_ms\":%lld,\"limit_ms\":%lld",
             c->client, (long long)(waited_ns / 1000000),
             (long long)cs->srv->cfg.request_timeout * 1000);
    ecomd_log(cs->srv, "warn",
              body ? "request body too slow: connection closed"
                   : "request head too slow: connection closed",
              extra);
}

/* Start the clock at the first byte; cut once the head is overdue.  A
 * count read before the previous request completed is at most its
 * baseline (the count only grows), so it never starts a clock early. */
static void sweep_one(ecomd_conns *cs, ecomd_conn *c, int64_t now, int64_t limit_ns)
{
    uint64_t bytes = 0;
    int known = bytes_received(c->fd, &bytes);
    pthread_mutex_lock(&c->mu);
    if (c->phase == HEAD_WAIT && (!known || bytes > c->baseline)) {
        c->phase = HEAD_OPEN;
        c->start_ns = now;
    }
    int64_t waited_ns = now - c->start_ns;
    int body = c->phase == BODY_OPEN;
    int overdue = (c->phase == HEAD_OPEN || body) && waited_ns > limit_ns;
    if (overdue) c->phase = CUT;
    pthread_mutex_unlock(&c->mu);
    if (overdue) cut(cs, c, waited_ns, body);
}

static struct timespec after_ms(unsigned ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long ns = t.tv_nsec + (long long)ms * 1000000;
    t.tv_sec += (time_t)(ns / 1000000000);
    t.tv_nsec = (long)(ns % 1000000000);
    return t;
}

static void *sweep_loop(void *arg)
{
    ecomd_conns *cs = arg;
    int64_t limit_ns = (int64_t)cs->srv->cfg.request_timeout * 1000000000;
    pthread_mutex_lock(&cs->mu);
    while (!cs->stop) {
        struct timespec until = after_ms(SWEEP_MS);
        pthread_cond_timedwait(&cs->cv, &cs->mu, &until);
        int64_t now = ecomd_mono_ns();
        for (ecomd_conn *c = cs->head; c && !cs->stop; c = c->next) sweep_one(cs, c, now, limit_ns);
    }
    pthread_mutex_unlock(&cs->mu);
    return NULL;
}

/* ---- the registry -------------------------------------------------------------------- */

ecomd_conns *ecomd_conns_new(ecomd_server *srv)
{
    ecomd_conns *cs = calloc(1, sizeof *cs);
    if (!cs) return NULL;
    cs->srv = srv;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cs->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&cs->mu, NULL);
    if (pthread_create(&cs->thread, NULL, sweep_loop, cs) != 0) {
        pthread_cond_destroy(&cs->cv);
        pthread_mutex_destroy(&cs->mu);
        free(cs);
        return NULL;
    }
    return cs;
}

void ecomd_conns_free(ecomd_conns *cs)
{
    if (!cs) return;
    pthread_mutex_lock(&cs->mu);
    cs->stop = 1;
    pthread_cond_signal(&cs->cv);
    pthread_mutex_unlock(&cs->mu);
    pthread_join(cs->thread, NULL);
    pthread_cond_destroy(&cs->cv);
    pthread_mutex_destroy(&cs->mu);
    free(cs);
}

static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const void *a = NULL;
    if (sa && sa->sa_family == AF_INET)
        a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    if (sa && sa->sa_family == AF_INET6)
        a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (!a || !inet_ntop(sa->sa_family, a, out, (socklen_t)size)) snprintf(out, size, "unknown");
}

void ecomd_conns_opened(ecomd_conns *cs, struct MHD_Connection *conn, void **socket_context)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    ecomd_conn *c = ci ? calloc(1, sizeof *c) : NULL;
    *socket_context = c;
    if (!c) return; /* out of memory: this connection goes without a head clock */
    c->fd = ci->connect_fd;
    client_address(conn, c->client, sizeof c->client);
    pthread_mutex_init(&c->mu, NULL);
    c->phase = HEAD_WAIT; /* baseline 0: its first byte starts the clock */
    pthread_mutex_lock(&cs->mu);
    c->next = cs->head;
    if (cs->head) cs->head->prev = c;
    cs->head = c;
    pthread_mutex_unlock(&cs->mu);
}

/* Why the sweeper may shutdown() a listed fd: in libmicrohttpd 0.9.75
 * (daemon.c, MHD_cleanup_connections and the failure path of
 * new_connection_process_) MHD_CONNECTION_NOTIFY_CLOSED is called before
 * the connection's socket is closed, on the thread that closes it.  The
 * record leaves the list here under the registry's mutex, which the
 * sweeper holds across its getsockopt() and shutdown() calls: while a
 * record is listed its fd is still open and still this connection's, so
 * a number reused by a newer connection can never be hit.  (MHD closes
 * without this notification only sockets it never announced as STARTED.)
 *
 * A request still held here was dropped by MHD without its completion
 * callback; the socket is still open, so it can yet be answered. */
void ecomd_conns_closed(ecomd_conns *cs, void **socket_context)
{
    ecomd_conn *c = *socket_context;
    if (!c) return;
    pthread_mutex_lock(&cs->mu);
    if (c->prev) c->prev->next = c->next;
    if (c->next) c->next->prev = c->prev;
    if (cs->head == c) cs->head = c->next;
    pthread_mutex_unlock(&cs->mu);
    if (c->req) ecomd_request_abandoned(c->req, c->fd, nothing_written(c));
    pthread_mutex_destroy(&c->mu); /* unlisted: no sweeper can hold it now */
    free(c);
    *socket_context = NULL;
}

/* ---- the clock of one request ---------------------------------------------------------- */

static ecomd_conn *record(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

void ecomd_conns_request_begin(struct MHD_Connection *conn, ecomd_request *r)
{
    ecomd_conn *c = record(conn);
    if (!c) return;
    /* MHD completes a request before it reads the next one's line, so a
     * request still held here was dropped without its callback. */
    if (c->req) ecomd_request_abandoned(c->req, c->fd, 0);
    c->req = r;
    snprintf(r->client, sizeof r->client, "%s", c->client);
    c->written = bytes_written(c->fd);
    pthread_mutex_lock(&c->mu);
    /* The sweeper may not have seen the first byte yet. */
    if (c->phase == HEAD_WAIT) {
        c->phase = HEAD_OPEN;
        c->start_ns = ecomd_mono_ns();
    }
    pthread_mutex_unlock(&c->mu);
}

/* Move the clock from one phase to the next; 0 when it was cut. */
static int advance(struct MHD_Connection *conn, int from, int to)
{
    ecomd_conn *c = record(conn);
    if (!c) return 1;
    pthread_mutex_lock(&c->mu);
    int was_cut = c->phase == CUT;
    if (c->phase == from) c->phase = to;
    pthread_mutex_unlock(&c->mu);
    return !was_cut;
}

void ecomd_conns_head_done(struct MHD_Connection *conn)
{
    advance(conn, HEAD_OPEN, BODY_OPEN);
}

int ecomd_conns_body_done(struct MHD_Connection *conn)
{
    return advance(conn, BODY_OPEN, SERVING);
}

int ecomd_conns_request_done(struct MHD_Connection *conn, int *unwritten)
{
    ecomd_conn *c = record(conn);
    *unwritten = 0;
    if (!c) return 0;
    uint64_t bytes = 0;
    bytes_received(c->fd, &bytes); /* MHD's thread: the fd is open */
    *unwritten = c->req && nothing_written(c);
    c->req = NULL;
    pthread_mutex_lock(&c->mu);
    int was_cut = c->phase == CUT;
    if (!was_cut) {
        c->phase = HEAD_WAIT;
        c->baseline = bytes;
    }
    pthread_mutex_unlock(&c->mu);
    return was_cut;
}
