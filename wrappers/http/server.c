/* server.c - libmicrohttpd glue: accepting requests, reading bodies within
 * limits, authentication, dispatch, responses, and the per-request log line
 * and metrics.
 *
 * MHD runs a pool of threads, each polling its own connections (poll(2):
 * see ecomd_server_start for why not epoll), so one slow handler never
 * holds up the connections of the other threads.  The access handler never
 * answers on the first callback of a request: answering there, before MHD
 * has looked at the body, makes MHD close the connection after the
 * response, and keep-alive is lost (measured). */
#define _GNU_SOURCE /* MHD's headers want sockaddr types fully declared */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ecomd.h"

int64_t ecomd_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ecomd_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *ecomd_header(ecomd_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int64_t ecomd_if_match(ecomd_request *r)
{
    const char *im = ecomd_header(r, "If-Match");
    if (!im) return -1;
    char *end = NULL;
    if (im[0] != '"') return -2;
    long long v = strtoll(im + 1, &end, 10);
    return end && end != im + 1 && strcmp(end, "\"") == 0 && v >= 0 ? (int64_t)v : -2;
}

const char *ecomd_query(ecomd_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void ecomd_add_header(ecomd_request *r, const char *name, const char *value)
{
    if (r->nheaders == ECOMD_MAX_HEADERS) return;
    r->header_names[r->nheaders] = name;
    snprintf(r->header_values[r->nheaders], sizeof r->header_values[0], "%s", value);
    r->nheaders++;
}

/* ---- responses ------------------------------------------------------------------ */

static void add_trace_headers(ecomd_request *r, struct MHD_Response *resp)
{
    char tp[64];
    snprintf(tp, sizeof tp, "00-%s-%s-%s", r->trace_id, r->span_id, r->trace_flags);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "traceparent", tp);
    const char *state = ecomd_header(r, "tracestate");
    if (state) MHD_add_response_header(resp, "tracestate", state);
}

static void queue(ecomd_request *r, unsigned status, struct MHD_Response *resp,
                  const char *content_type)
{
    if (!resp) {
        r->status = 500;
        return;
    }
    if (content_type) MHD_add_response_header(resp, "Content-Type", content_type);
    add_trace_headers(r, resp);
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->header_names[i], r->header_values[i]);
    if (MHD_queue_response(r->conn, status, resp) == MHD_YES) {
        r->status = status;
        r->answered = 1;
    }
    MHD_destroy_response(resp);
}

void ecomd_reply(ecomd_request *r, unsigned status, char *body, size_t len)
{
    if (!body) {
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
        return;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) free(body);
    queue(r, status, resp, "application/json");
}

void ecomd_reply_copy(ecomd_request *r, unsigned status, const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    queue(r, status, resp, "application/json");
}

void ecomd_reply_text(ecomd_request *r, unsigned status, char *body, size_t len,
                      const char *content_type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) free(body);
    queue(r, status, resp, content_type);
}

unsigned ecomd_http_status(ec_status st)
{
    switch (st) {
    case EC_OK:
        return 200;
    case EC_INVALID_TRANSITION:
    case EC_VERSION_CONFLICT:
    case EC_IDEMPOTENCY_CONFLICT:
    case EC_INSUFFICIENT_STOCK:
    case EC_RESERVATION_EXPIRED:
        return 409;
    case EC_NOT_FOUND:
        return 404;
    case EC_UNAUTHORIZED:
        return 401;
    case EC_FORBIDDEN:
        return 403;
    case EC_PAYLOAD_TOO_LARGE:
        return 413;
    case EC_UNSUPPORTED_MEDIA_TYPE:
        return 415;
    case EC_UNAVAILABLE:
        return 503;
    case EC_INTERNAL:
    case EC_NO_MEMORY:
    case EC_MISUSE:
        return 500;
    default:
        return 400; /* invalid input and pricing errors */
    }
}

/* ---- request identity: X-Request-Id and W3C traceparent ---------------------------- */

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

static int all_zero(const char *s, size_t n)
{
    return strspn(s, "0") >= n;
}

static void random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    ecomd_random(raw, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, raw, bytes);
}

/* "00-<32 hex trace>-<16 hex parent>-<2 hex flags>"; a later version may
 * append fields, which are ignored as the W3C spec asks. */
static int parse_traceparent(const char *tp, ecomd_request *r)
{
    size_t n = strlen(tp);
    if (n < 55 || (n > 55 && tp[55] != '-') || !is_hex(tp, 2) || memcmp(tp, "ff", 2) == 0 ||
        tp[2] != '-' || !is_hex(tp + 3, 32) || all_zero(tp + 3, 32) || tp[35] != '-' ||
        !is_hex(tp + 36, 16) || all_zero(tp + 36, 16) || tp[52] != '-' || !is_hex(tp + 53, 2))
        return 0;
    if (memcmp(tp, "00", 2) == 0 && n != 55) return 0;
    memcpy(r->trace_id, tp + 3, 32);
    r->trace_id[32] = '\0';
    memcpy(r->trace_flags, tp + 53, 2);
    r->trace_flags[2] = '\0';
    return 1;
}

static void identify(ecomd_request *r)
{
    const char *rid = ecomd_header(r, "X-Request-Id");
    size_t n = rid ? strlen(rid) : 0;
    if (n >= 1 && n < sizeof r->request_id &&
        strspn(rid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == n)
        memcpy(r->request_id, rid, n + 1);
    else
        random_hex(r->request_id, 16);
    const char *tp = ecomd_header(r, "traceparent");
    if (!tp || !parse_traceparent(tp, r)) {
        random_hex(r->trace_id, 16);
        strcpy(r->trace_flags, "00");
    }
    random_hex(r->span_id, 8);
}

/* ---- checks before the handler ---------------------------------------------------- */

static int authenticate(ecomd_request *r, int need)
{
    if (!r->srv->keys) {
        r->role = ECOMD_ROLE_ADMIN; /* loopback only, see main.c */
        return 1;
    }
    const char *auth = ecomd_header(r, "Authorization");
    if (auth && strncmp(auth, "Bearer ", 7) == 0)
        r->role = ecomd_keys_check(r->srv->keys, auth + 7, strlen(auth + 7), &r->key_name);
    if (need == ECOMD_ROLE_NONE) return 1;
    if (r->role == ECOMD_ROLE_NONE) {
        ecomd_add_header(r, "WWW-Authenticate", "Bearer");
        ecomd_reply_error(r, 401, EC_UNAUTHORIZED, NULL,
                          "a valid 'Authorization: Bearer' key is required");
        return 0;
    }
    if (r->role < need) {
        ecomd_reply_error(r, 403, EC_FORBIDDEN, NULL, "this endpoint needs an admin key");
        return 0;
    }
    return 1;
}

/* application/json, optionally with parameters (charset=utf-8). */
static int json_content_type(const char *ct)
{
    if (!ct) return 0;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void dispatch(ecomd_request *r)
{
    char allow[64];
    identify(r);
    int route = ecomd_route_find(r->method, r->url, r->params, &r->nparams, allow, sizeof allow);
    if (route == ECOMD_NO_ROUTE) {
        ecomd_reply_error(r, 404, EC_NOT_FOUND, NULL, "no such endpoint");
        return;
    }
    if (route < 0) {
        r->route = -route - 1;
        ecomd_add_header(r, "Allow", allow);
        ecomd_reply_error(r, 405, EC_INVALID_FIELD, NULL, "method not allowed on this endpoint");
        return;
    }
    r->route = route;
    const ecomd_route *rt = ecomd_route_get(route);
    if (!authenticate(r, rt->role)) return;
    if (r->too_large) {
        ecomd_reply_error(r, 413, EC_PAYLOAD_TOO_LARGE, NULL, "the request body is too large");
        return;
    }
    if (rt->body && !json_content_type(ecomd_header(r, "Content-Type"))) {
        ecomd_reply_error(r, 415, EC_UNSUPPORTED_MEDIA_TYPE, NULL,
                          "send the body as Content-Type: application/json");
        return;
    }
    rt->handler(r);
    if (!r->answered) ecomd_reply_error(r, 500, EC_INTERNAL, NULL, NULL);
}

/* ---- MHD callbacks -------------------------------------------------------------------------- */

/* MHD's URI logger runs once per request, before MHD percent-decodes the
 * path, and its result becomes the request's context.  The router needs the
 * raw path: a decoded "%2F" inside a SKU would otherwise split a segment. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    ecomd_server *srv = cls;
    ecomd_request *r = calloc(1, sizeof *r);
    size_t n = strcspn(uri, "?");
    if (!r || !(r->url = malloc(n + 1))) {
        free(r);
        return NULL;
    }
    memcpy(r->url, uri, n);
    r->url[n] = '\0';
    r->srv = srv;
    r->conn = conn;
    r->method = ECOMD_OTHER;
    r->route = ecomd_route_count();
    r->t0_ns = ecomd_mono_ns();
    r->head_t0_ns = ecomd_conns_head_start(conn);
    atomic_fetch_add(&srv->inflight, 1);
    return r;
}

/* The first access callback: the headers are in. */
static void request_start(ecomd_request *r, const char *method)
{
    r->started = 1;
    ecomd_conns_head_done(r->conn);
    r->method = ecomd_method_id(method);
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > r->srv->cfg.max_body) r->too_large = 1;
}

/* Keep the body (NUL-terminated) unless it passes the limit. */
static void take_body(ecomd_request *r, const char *data, size_t n)
{
    if (r->too_large || n > r->srv->cfg.max_body - r->body_len) {
        r->too_large = 1;
        return;
    }
    if (r->body_len + n + 1 > r->body_cap) {
        size_t cap = r->body_cap ? r->body_cap : 4096;
        while (cap < r->body_len + n + 1) cap *= 2;
        char *grown = realloc(r->body, cap);
        if (!grown) {
            r->too_large = 1;
            return;
        }
        r->body = grown;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
}

/* MHD's --timeout restarts on every byte, so a client trickling its body
 * would hold a connection (and its thread's memory) for ever: the whole
 * request, from its first byte, must arrive within --request-timeout.
 * Checked here on each access callback, i.e. whenever body bytes arrive;
 * the head (before MHD calls us) is watched by the sweeper of conns.c on
 * the same clock. */
static int receive_too_slow(const ecomd_request *r)
{
    int64_t limit_ns = (int64_t)r->srv->cfg.request_timeout * 1000000000;
    return limit_ns > 0 && ecomd_mono_ns() - r->head_t0_ns > limit_ns;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls, (void)conn, (void)url, (void)version;
    ecomd_request *r = *con_cls;
    if (!r) return MHD_NO; /* out of memory in on_uri */
    if (!r->started) {
        /* First callback: accept the request, answer later (keep-alive). */
        request_start(r, method);
        return MHD_YES;
    }
    if (r->answered) {
        *upload_data_size = 0; /* an early 413: the rest is discarded */
        return MHD_YES;
    }
    if (receive_too_slow(r)) {
        /* MHD 0.9.75 refuses a response while it is reading the body
         * (MHD_queue_response fails after the first body callback): then
         * MHD_NO closes the connection without an answer, logged as 408. */
        *upload_data_size = 0;
        r->timed_out = 1;
        identify(r);
        ecomd_add_header(r, "Connection", "close");
        ecomd_reply_error(r, 408, EC_LIMIT_EXCEEDED, NULL,
                          "the request was not received within the request timeout");
        return r->answered ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        take_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        /* Refuse an oversized body at once rather than read it all; MHD
         * then closes the connection after the answer. */
        if (r->too_large) dispatch(r);
        return MHD_YES;
    }
    dispatch(r);
    return r->answered ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    ecomd_server *srv = cls;
    ecomd_request *r = *con_cls;
    int head_cut = ecomd_conns_request_done(conn);
    if (!r) return;
    if (!r->answered)
        r->status =
            toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED || r->timed_out || head_cut ? 408 : 499;
    if (!r->request_id[0]) identify(r);
    double seconds = (double)(ecomd_mono_ns() - r->t0_ns) / 1e9;
    ecomd_metrics_request(srv->metrics, r->method, r->route, r->status, seconds);
    ecomd_log_request(r, seconds);
    atomic_fetch_sub(&srv->inflight, 1);
    free(r->body);
    free(r->url);
    free(r);
    *con_cls = NULL;
}

/* MHD's STARTED and CLOSED notifications keep the registry of conns.c. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    ecomd_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        ecomd_conns_opened(srv->conns, conn, socket_context);
    else
        ecomd_conns_closed(srv->conns, socket_context);
}

/* ---- start and drain ------------------------------------------------------------------------- */

/* Parse "host:port" or "[v6]:port" into addr; 0 when malformed. */
static int parse_listen(const char *spec, struct sockaddr_storage *addr, int *v6)
{
    char host[128];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host) return 0;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end = NULL;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || port > 65535) return 0;
    memset(addr, 0, sizeof *addr);
    size_t hn = strlen(host);
    *v6 = hn >= 2 && host[0] == '[' && host[hn - 1] == ']';
    if (*v6) {
        host[hn - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)addr;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host + 1, &a->sin6_addr) == 1;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)addr;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &a->sin_addr) == 1;
}

static int is_loopback(const struct sockaddr_storage *addr, int v6)
{
    if (v6) return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)addr)->sin6_addr);
    return (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >> 24) == 127;
}

/* poll(2), not epoll: libmicrohttpd 0.9.75's epoll loop (MHD_epoll in
 * daemon.c) fetches events 128 at a time and, when a batch comes back full,
 * calls epoll_wait again with the full timeout before handling any of
 * them.  A worker with exactly 128 connections ready at once (or any
 * multiple) then sleeps until some other event or the next connection
 * timeout, up to --timeout, with their requests unread; the keep-alive
 * burst tests hit it.  poll() is called once per round and level-triggered. */
static unsigned daemon_flags(int v6)
{
    return MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
           (v6 ? MHD_USE_IPv6 : 0) | MHD_USE_POLL;
}

int ecomd_server_start(ecomd_server *srv)
{
    struct sockaddr_storage addr;
    int v6 = 0;
    if (!parse_listen(srv->cfg.listen, &addr, &v6)) {
        fprintf(stderr, "ecomd: --listen '%s' is not HOST:PORT with a numeric address\n",
                srv->cfg.listen);
        return 2;
    }
    if (!srv->keys && !is_loopback(&addr, v6)) {
        fprintf(stderr, "ecomd: refusing to listen on %s without a key file (--keys)\n",
                srv->cfg.listen);
        return 2;
    }
    if (!(srv->conns = ecomd_conns_new(srv))) {
        fprintf(stderr, "ecomd: cannot start the connection sweeper\n");
        return 1;
    }
    srv->daemon = MHD_start_daemon(
        daemon_flags(v6), 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        ecomd_mhd_logger, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, srv->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        srv->cfg.conn_timeout, MHD_OPTION_CONNECTION_LIMIT, srv->cfg.max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, srv->cfg.per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)srv->cfg.header_limit, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
    if (!srv->daemon) {
        fprintf(stderr, "ecomd: cannot listen on %s\n", srv->cfg.listen);
        ecomd_conns_free(srv->conns);
        srv->conns = NULL;
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : 0;
    return 0;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

void ecomd_server_drain(ecomd_server *srv)
{
    atomic_store(&srv->draining, 1);
    ecomd_log(srv, "info", "draining", NULL);
    /* Keep serving for the grace period: a load balancer polling /readyz
     * takes that long to stop sending new connections here. */
    sleep_ms(srv->cfg.grace_ms);
    MHD_socket listener = MHD_quiesce_daemon(srv->daemon);
    for (int waited = 0; atomic_load(&srv->inflight) > 0 && waited < 30000; waited += 10)
        sleep_ms(10);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    /* Only now: slow heads are cut while draining too, and MHD has
     * unlisted every connection. */
    ecomd_conns_free(srv->conns);
    srv->conns = NULL;
    /* After quiesce the listening socket is ours to close. */
    if (listener != MHD_INVALID_SOCKET) close(listener);
}
