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
#include "request_head.h"

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

/* ---- request identity: X-Request-Id and W3C traceparent ---------------------------- */

static void random_hex(char *out, size_t bytes)
{
    unsigned char raw[32];
    ecomd_random(raw, bytes);
    sodium_bin2hex(out, bytes * 2 + 1, raw, bytes);
}

/* Ids for a request whose headers are gone (MHD dropped it). */
static void identify_anew(ecomd_request *r)
{
    random_hex(r->request_id, 16);
    random_hex(r->trace_id, 16);
    strcpy(r->trace_flags, "00");
    random_hex(r->span_id, 8);
}

static void identify(ecomd_request *r)
{
    const char *rid = ecomd_header(r, "X-Request-Id");
    if (rid && ecomd_request_id_valid(rid))
        snprintf(r->request_id, sizeof r->request_id, "%s", rid);
    else
        random_hex(r->request_id, 16);
    const char *tp = ecomd_header(r, "traceparent");
    if (!tp || !ecomd_traceparent_parse(tp, r->trace_id, r->trace_flags)) {
        random_hex(r->trace_id, 16);
        strcpy(r->trace_flags, "00");
    }
    random_hex(r->span_id, 8);
}

/* ---- checks on the request head, before any body is read -------------------------- */

/* Note a refusal (answered by answer_refusal); always 0. */
static int refuse(ecomd_request *r, unsigned status, ec_status code, const char *field,
                  const char *message)
{
    r->refusal.status = status;
    r->refusal.code = code;
    r->refusal.field = field;
    r->refusal.message = message;
    return 0;
}

static void answer_refusal(ecomd_request *r)
{
    ecomd_reply_error(r, r->refusal.status, r->refusal.code, r->refusal.field, r->refusal.message);
}

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
        return refuse(r, 401, EC_UNAUTHORIZED, NULL,
                      "a valid 'Authorization: Bearer' key is required");
    }
    if (r->role < need)
        return refuse(r, 403, EC_FORBIDDEN, NULL, "this endpoint needs an admin key");
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

/* How the body is framed.  RFC 9112 6.3: a request with both headers
 * cannot be read safely (a proxy in front may have framed it the other
 * way, smuggling a second request in its body), so it is refused and the
 * connection closed.  MHD would read any other transfer coding until the
 * connection closes. */
static int framing_ok(ecomd_request *r, const char *cl, const char *te)
{
    if (te && cl)
        return refuse(r, 400, EC_INVALID_FIELD, "Transfer-Encoding",
                      "send either Content-Length or Transfer-Encoding, not both");
    if (te && strcasecmp(te, "chunked") != 0)
        return refuse(r, 400, EC_INVALID_FIELD, "Transfer-Encoding",
                      "the only transfer coding accepted is chunked");
    if (cl && strtoull(cl, NULL, 10) > r->srv->cfg.max_body) r->too_large = 1;
    return 1;
}

/* Everything that can be decided from the head: framing, route, key,
 * size and media type.  0 with r->refusal set when the request is refused. */
static int head_ok(ecomd_request *r, const char *cl, const char *te)
{
    if (!framing_ok(r, cl, te)) return 0;
    if (r->nargs > ECOMD_QUERY_ARGS_MAX)
        return refuse(r, 431, EC_LIMIT_EXCEEDED, NULL, "too many query arguments");
    int route =
        ecomd_route_find(r->method, r->url, r->params, &r->nparams, r->allow, sizeof r->allow);
    if (r->srv->cfg.relay_only && !ecomd_route_probe(route)) route = ECOMD_NO_ROUTE;
    if (route == ECOMD_NO_ROUTE) return refuse(r, 404, EC_NOT_FOUND, NULL, "no such endpoint");
    if (route < 0) {
        r->route = -route - 1;
        ecomd_add_header(r, "Allow", r->allow);
        /* OPTIONS needs no key: a browser's CORS preflight carries none. */
        if (r->method == ECOMD_OPTIONS) return r->options = 1;
        return refuse(r, 405, EC_METHOD_NOT_ALLOWED, NULL,
                      "the method is not allowed on this endpoint (see Allow)");
    }
    r->route = route;
    const ecomd_route *rt = ecomd_route_get(route);
    if (!authenticate(r, rt->role)) return 0;
    if (r->too_large)
        return refuse(r, 413, EC_PAYLOAD_TOO_LARGE, NULL, "the request body is too large");
    if (rt->body && !json_content_type(ecomd_header(r, "Content-Type")))
        return refuse(r, 415, EC_UNSUPPORTED_MEDIA_TYPE, NULL,
                      "send the body as Content-Type: application/json");
    return 1;
}

/* The first access callback: the headers are in.  A refused request that
 * announces a body is answered at once, so its body is never read (MHD
 * then closes the connection); one without a body is answered on the
 * next callback, which keeps the connection alive. */
static void request_start(ecomd_request *r, const char *method)
{
    r->started = 1;
    ecomd_conns_head_done(r->conn);
    r->method = ecomd_method_id(method);
    identify(r);
    const char *origin = r->srv->cfg.ncors ? ecomd_header(r, "Origin") : NULL;
    r->cors = origin && ecomd_cors_allowed(&r->srv->cfg, origin);
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Transfer-Encoding");
    if (head_ok(r, cl, te)) return;
    if (te || (cl && strtoull(cl, NULL, 10) > 0)) answer_refusal(r);
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

static void dispatch(ecomd_request *r)
{
    if (r->refusal.status) {
        answer_refusal(r);
        return;
    }
    if (r->too_large) { /* a chunked body, read to its end */
        ecomd_reply_error(r, 413, EC_PAYLOAD_TOO_LARGE, NULL, "the request body is too large");
        return;
    }
    if (r->options) { /* Allow (and a CORS preflight's headers: reply.c) */
        ecomd_reply_text(r, 204, NULL, 0, NULL);
        return;
    }
    ecomd_store_data_error_take(); /* a stale note of an earlier request */
    const ecomd_route *rt = ecomd_route_get(r->route);
    rt->handler(r);
    if (!r->answered && !r->offloaded) ecomd_reply_error(r, 500, EC_INTERNAL, NULL, NULL);
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
    r->nargs = ecomd_query_count(uri);
    r->srv = srv;
    r->conn = conn;
    r->method = ECOMD_OTHER;
    r->route = ecomd_route_count();
    r->t0_ns = ecomd_mono_ns();
    atomic_fetch_add(&srv->inflight, 1);
    ecomd_conns_request_begin(conn, r);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls, (void)url, (void)version;
    ecomd_request *r = *con_cls;
    if (!r) return MHD_NO; /* out of memory in on_uri */
    if (!r->started) {
        /* First callback: accept the request, answer later (keep-alive). */
        request_start(r, method);
        return MHD_YES;
    }
    if (r->answered) {
        *upload_data_size = 0; /* an early refusal: MHD reads no more */
        return MHD_YES;
    }
    if (r->offloaded) /* resumed: the answer made on another thread */
        return ecomd_reply_pending(r) ? MHD_YES : MHD_NO;
    if (*upload_data_size) {
        take_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!ecomd_conns_body_done(conn)) {
        r->timed_out = 1; /* the sweeper cut it off a moment ago */
        return MHD_NO;
    }
    dispatch(r);
    return r->answered || r->offloaded ? MHD_YES : MHD_NO;
}

/* Log and count a request that is over, and free it. */
static void finish(ecomd_request *r)
{
    ecomd_server *srv = r->srv;
    double seconds = (double)(ecomd_mono_ns() - r->t0_ns) / 1e9;
    ecomd_metrics_request(srv->metrics, r->method, r->route, r->status, seconds);
    ecomd_log_request(r, seconds);
    if (r->pending) MHD_destroy_response(r->pending);
    atomic_fetch_sub(&srv->inflight, 1);
    free(r->body);
    free(r->url);
    free(r);
}

static int conn_fd(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

/* MHD ends a request: logged with what the client got.  An answer MHD
 * failed to send without writing a byte of it (its head did not fit in
 * what the request left of the connection's memory) is written here. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    ecomd_request *r = *con_cls;
    int unwritten = 0;
    int cut = ecomd_conns_request_done(conn, &unwritten);
    if (!r) return;
    *con_cls = NULL;
    if (!r->request_id[0]) identify(r);
    if (!r->answered) {
        /* MHD's own answer (a malformed chunked body), or none. */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
        r->status = ci ? ci->http_status
                    : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED || r->timed_out || cut ? 408
                                                                                           : 499;
        if (ci)
            snprintf(r->error_code, sizeof r->error_code, "%s", ecomd_mhd_error_code(r->status));
    } else if (toe == MHD_REQUEST_TERMINATED_WITH_ERROR && unwritten) {
        /* The body is MHD's response's, alive until this callback returns. */
        const char *body = r->sent_body;
        size_t len = r->sent_len;
        unsigned status = r->status;
        char id[sizeof r->request_id];
        memcpy(id, r->request_id, sizeof id);
        finish(r);
        ecomd_answer_on_socket(conn_fd(conn), status, body, len, id);
        return;
    } else if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        r->status = 499; /* the client went away before the answer was sent */
    }
    finish(r);
}

/* MHD dropped the request without its completion callback (see conns.c):
 * it is answered here, when nothing was written for it yet.  Its head and
 * any answer queued are gone with the connection's memory, so only what
 * on_uri kept is known.  Counted before the answer goes out, so that a
 * client reading it sees the request over. */
void ecomd_request_abandoned(ecomd_request *r, int fd, int unwritten)
{
    char doc[256], id[sizeof r->request_id];
    size_t n = 0;
    if (!r->request_id[0]) identify_anew(r);
    ec_status code = r->nargs > ECOMD_QUERY_ARGS_MAX ? EC_LIMIT_EXCEEDED : EC_INVALID_FIELD;
    if (!r->answered) {
        r->status = code == EC_LIMIT_EXCEEDED ? 431 : 400;
        n = ecomd_error_document(doc, sizeof doc, code, NULL,
                                 code == EC_LIMIT_EXCEEDED
                                     ? "too many query arguments"
                                     : "the request head is malformed (Content-Length or Host)");
        snprintf(r->error_code, sizeof r->error_code, "%s", ec_status_name(code));
        r->sent_len = n;
    }
    unsigned status = r->status;
    memcpy(id, r->request_id, sizeof id);
    finish(r);
    if (n && unwritten) ecomd_answer_on_socket(fd, status, doc, n, id);
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
           (v6 ? MHD_USE_IPv6 : 0) | MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME;
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
    /* `ecomd relay` serves only what needs no key: it may listen anywhere. */
    if (!srv->keys && !srv->cfg.relay_only && !is_loopback(&addr, v6)) {
        fprintf(stderr, "ecomd: refusing to listen on %s without a key file (--keys)\n",
                srv->cfg.listen);
        return 2;
    }
    if (!(srv->conns = ecomd_conns_new(srv)) || !(srv->offload = ecomd_offload_new())) {
        fprintf(stderr, "ecomd: cannot start the connection sweeper or the offload thread\n");
        ecomd_conns_free(srv->conns);
        srv->conns = NULL;
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
        ecomd_offload_free(srv->offload);
        srv->offload = NULL;
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
    /* In-flight requests include those still arriving, which the sweeper
     * cuts at --request-timeout, so the wait ends well before its cap. */
    for (int waited = 0; atomic_load(&srv->inflight) > 0 && waited < 30000; waited += 10)
        sleep_ms(10);
    /* MHD must not stop with a connection suspended (it panics): let the
     * offloaded jobs finish and resume theirs first. */
    ecomd_offload_idle(srv->offload);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    ecomd_offload_free(srv->offload);
    srv->offload = NULL;
    /* Only now: slow heads are cut while draining too, and MHD has
     * unlisted every connection. */
    ecomd_conns_free(srv->conns);
    srv->conns = NULL;
    /* After quiesce the listening socket is ours to close. */
    if (listener != MHD_INVALID_SOCKET) close(listener);
}
