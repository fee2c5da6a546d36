/* ecomd.h - pieces of the ecomd HTTP service shared between its files.
 *
 * The service is a thin layer: it parses HTTP, checks keys and limits, and
 * calls the library's JSON facade and the store.  Everything here is private
 * to wrappers/http; names start with ecomd_. */
#ifndef ECOMD_H
#define ECOMD_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "ecommerce.h"
#include "store.h"

struct MHD_Connection;
struct MHD_Daemon;

/* ---- configuration (config.c) ---------------------------------------------- */

enum { ECOMD_LOG_DEBUG = 0, ECOMD_LOG_INFO, ECOMD_LOG_WARN, ECOMD_LOG_ERROR };
#define ECOMD_CORS_MAX 16

typedef struct ecomd_config {
    const char *listen;     /* host:port, [v6]:port */
    const char *store;      /* sqlite:PATH */
    const char *rules_path; /* seeds the store when it holds no ruleset */
    const char *stock_path; /* stock entries added when missing */
    const char *keys_path;  /* NULL: no authentication, loopback only */
    const char *region;
    const char *instance;
    unsigned threads;
    size_t max_body;          /* bytes of a request body */
    unsigned header_limit;    /* bytes of memory per connection (headers) */
    unsigned conn_timeout;    /* seconds a connection may stay idle or slow */
    unsigned request_timeout; /* seconds to receive one request */
    unsigned max_conns;       /* connections in total */
    unsigned per_ip;          /* connections from one address */
    unsigned grace_ms;        /* draining: time before the listener closes */
    unsigned poll_ms;         /* how often the stored rules version is read */
    unsigned payment_ttl;     /* seconds an order may stay unpaid */
    unsigned idempotency_ttl; /* seconds a stored response is kept; 0: always */
    unsigned events_ttl;      /* seconds an outbox event is kept; 0: always */

    /* The store's pool (0: threads + 2); PostgreSQL: statement_timeout of
     * transactions (ecomd waits 1 s more for any answer), and the wait for
     * a free connection (also /readyz's wait for SELECT 1). */
    unsigned store_connections;
    unsigned store_timeout_ms;
    unsigned pool_wait_ms;
    int store_prepare; /* PostgreSQL: 1 prepares each statement once per connection */
    /* The outbox relay (relay.c), when events_url is set; `ecomd relay`
     * runs it alone (relay_only), serving only the probes and metrics. */
    const char *events_url;    /* nats://host:port[,nats://...] */
    const char *events_stream; /* the JetStream stream, also the relay's name */
    unsigned events_batch;     /* events per publish round */
    unsigned events_poll_ms;   /* how often an idle relay reads the outbox */
    unsigned events_lease_ms;  /* how long a relay's lease lasts unrenewed */
    unsigned events_dedupe_s;  /* duplicate window of a stream ecomd creates */
    const char *events_ca;     /* CA certificates of the broker's TLS; NULL: system's */
    int relay_only;
    /* Logging and browsers (log.c, reply.c): the least level written, and
     * whether each request is logged; the origins CORS answers, each
     * value a comma-separated list (--cors-origin is repeatable). */
    int log_level;  /* ECOMD_LOG_DEBUG ... ECOMD_LOG_ERROR */
    int access_log; /* 1: one line per request */
    const char *cors[ECOMD_CORS_MAX];
    unsigned ncors;
    /* Regions, each with its own store (regions.h; NULL peers: one region). */
    const char *peers;          /* "name=url,..." */
    const char *peer_key_path;  /* the key presented to the peers */
    unsigned rebalance_ms;      /* exchange and rebalance period */
    unsigned rebalance_horizon; /* seconds of expected sales each region keeps */
    unsigned demand_window;     /* seconds of demand the policy looks at */
} ecomd_config;

/* Whether CORS answers `origin` (one of cfg's --cors-origin values). */
int ecomd_cors_allowed(const ecomd_config *cfg, const char *origin);

/* Fill cfg from the environment, then argv ("relay" first: relay_only).
 * Returns 0, 1 after --help or --version (printed), or 2 on a usage error
 * (message on stderr). */
int ecomd_config_load(ecomd_config *cfg, int argc, char **argv);

/* ---- keys (keys.c) ---------------------------------------------------------- */

enum { ECOMD_ROLE_NONE = 0, ECOMD_ROLE_CLIENT = 1, ECOMD_ROLE_ADMIN = 2 };

typedef struct ecomd_keys ecomd_keys;

/* Load a key file (lines "name role blake2b-hex", # comments).  NULL with a
 * message on stderr when it cannot be read or a line is malformed. */
ecomd_keys *ecomd_keys_load(const char *path);
void ecomd_keys_free(ecomd_keys *keys);

/* The role of a presented key (constant-time comparison against every
 * entry), ECOMD_ROLE_NONE when unknown; *name receives the key's name. */
int ecomd_keys_check(const ecomd_keys *keys, const char *key, size_t len, const char **name);

/* ---- the active ruleset (rules.c) --------------------------------------------- */

/* A compiled ruleset shared by requests: reference counted, so that a swap
 * never frees a ruleset that a request is still using. */
typedef struct ecomd_ruleset {
    ec_ruleset *rules;
    int64_t version;
    atomic_int refs;
    /* Ids of the promotions with a limit the service counts (uses, uses
     * per customer or per code, a budget), sorted (they point into rules):
     * checkouts that spend one of them wait for each other. */
    const char **limited;
    size_t nlimited;
} ecomd_ruleset;

typedef struct ecomd_rules ecomd_rules;

ecomd_rules *ecomd_rules_new(void);
void ecomd_rules_free(ecomd_rules *holder);
/* The current ruleset with a reference taken (NULL when none). */
ecomd_ruleset *ecomd_rules_acquire(ecomd_rules *holder);
void ecomd_rules_release(ecomd_ruleset *rs);
/* Install a compiled ruleset (ownership passes) unless a newer one is
 * active; returns 1 when installed. */
int ecomd_rules_install(ecomd_rules *holder, ec_ruleset *rules, int64_t version);
int64_t ecomd_rules_version(ecomd_rules *holder);
/* Whether promotion `id` has a usage limit in this ruleset. */
int ecomd_ruleset_limited(const ecomd_ruleset *rs, const char *id);
/* Read the stored version, compile and install it when newer. */
ec_status ecomd_rules_refresh(ecomd_rules *holder, ecomd_store *store, ec_error *err);

/* ---- metrics (metrics.c) ------------------------------------------------------ */

typedef struct ecomd_metrics ecomd_metrics;

ecomd_metrics *ecomd_metrics_new(void);
void ecomd_metrics_free(ecomd_metrics *m);
void ecomd_metrics_request(ecomd_metrics *m, int method, int route, unsigned status,
                           double seconds);
void ecomd_metrics_store_error(ecomd_metrics *m);
void ecomd_metrics_reservation(ecomd_metrics *m, const char *result);
void ecomd_metrics_order(ecomd_metrics *m, const char *event);
/* A connection cut off because its request head (body: 0) or body (1)
 * was too slow (conns.c). */
void ecomd_metrics_request_timeout(ecomd_metrics *m, int body);
/* The Prometheus text document (malloc'd). */
char *ecomd_metrics_render(ecomd_metrics *m, int64_t rules_version, long inflight,
                           const char *region, const char *instance, size_t *len);

/* ---- routing (router.c) --------------------------------------------------------- */

enum {
    ECOMD_GET = 0,
    ECOMD_POST,
    ECOMD_PUT,
    ECOMD_PATCH,
    ECOMD_DELETE,
    ECOMD_HEAD,
    ECOMD_OPTIONS,
    ECOMD_OTHER,
    ECOMD_METHOD_COUNT
};

#define ECOMD_MAX_PARAMS 3
#define ECOMD_PARAM_MAX 128

typedef struct ecomd_request ecomd_request;
typedef void (*ecomd_handler)(ecomd_request *r);

typedef struct ecomd_route {
    const char *pattern; /* "/v1/stock/{sku}/{location}"; the route label */
    int method;
    int role; /* least role needed */
    int body; /* 1: takes a JSON body */
    ecomd_handler handler;
} ecomd_route;

/* Route count, and the label of route i ("unmatched" for i = count). */
int ecomd_route_count(void);
const char *ecomd_route_label(int i);
const char *ecomd_method_name(int method);
int ecomd_method_id(const char *name);

/* Find the route of a method and path (HEAD finds the GET route).  Returns
 * its index and fills params; when the path exists only with other methods
 * (OPTIONS always), -(i + 1) for the first such route i, with *allow
 * listing every method of the path ("GET, HEAD, PUT, OPTIONS"); when the
 * path does not exist, ECOMD_NO_ROUTE. */
#define ECOMD_NO_ROUTE (-1000000)
int ecomd_route_find(int method, const char *path, char params[][ECOMD_PARAM_MAX], size_t *nparams,
                     char *allow, size_t allow_size);
const ecomd_route *ecomd_route_get(int i);
/* Whether what ecomd_route_find returned is a probe or /metrics, the only
 * routes `ecomd relay` serves. */
int ecomd_route_probe(int found);

/* ---- connections and the request clock (conns.c) -------------------------------------- */

typedef struct ecomd_server ecomd_server;
typedef struct ecomd_conns ecomd_conns;
typedef struct ecomd_conn ecomd_conn;

/* The registry of live connections, with its sweeper thread started: it
 * shuts down a connection whose request (line, headers and body) is still
 * arriving --request-timeout after its first byte.  NULL when memory or a
 * thread cannot be had. */
ecomd_conns *ecomd_conns_new(ecomd_server *srv);
/* Stop and join the sweeper and free the registry; only once MHD has
 * stopped, so that no connection is left in it.  NULL is accepted. */
void ecomd_conns_free(ecomd_conns *cs);
/* MHD_CONNECTION_NOTIFY_STARTED and _CLOSED: list and unlist a connection
 * (its record is the MHD socket context).  A request the connection still
 * holds when it closes goes to ecomd_request_abandoned. */
void ecomd_conns_opened(ecomd_conns *cs, struct MHD_Connection *conn, void **socket_context);
void ecomd_conns_closed(ecomd_conns *cs, void **socket_context);
/* On MHD's thread of the connection.  The request line is in: the
 * connection holds r until ecomd_conns_request_done, and the request's
 * clock runs (from its first byte, when the sweeper saw it earlier). */
void ecomd_conns_request_begin(struct MHD_Connection *conn, ecomd_request *r);
/* The headers are complete: the clock runs on while the body arrives. */
void ecomd_conns_head_done(struct MHD_Connection *conn);
/* The body is complete: the clock stops.  Returns 0 when the sweeper had
 * already cut the request off. */
int ecomd_conns_body_done(struct MHD_Connection *conn);
/* The request is over and released: the clock waits for the next
 * request's first byte.  Returns 1 when the sweeper had cut this request
 * off; *unwritten is 1 when nothing was written on the socket for it. */
int ecomd_conns_request_done(struct MHD_Connection *conn, int *unwritten);

/* ---- the server and its requests (server.c) ------------------------------------- */

/* ---- work off MHD's threads (offload.c) -------------------------------------------- */

/* Requests waiting for the offload thread at most; more are refused (503). */
#define ECOMD_OFFLOAD_QUEUE 8

typedef struct ecomd_offload ecomd_offload;
typedef void (*ecomd_job_fn)(ecomd_request *r);

/* The offload thread, started; NULL when it cannot be. */
ecomd_offload *ecomd_offload_new(void);
/* Wait until no job waits or runs (every offloaded connection resumed). */
void ecomd_offload_idle(ecomd_offload *o);
/* Stop (after the jobs left) and join the thread, free.  NULL is accepted. */
void ecomd_offload_free(ecomd_offload *o);
/* From a handler: suspend r's connection and run fn(r) on the offload
 * thread, which answers and resumes it.  0 when the queue is full (r is
 * untouched: answer it). */
int ecomd_offload_request(ecomd_request *r, ecomd_job_fn fn);

struct ecomd_server {
    ecomd_config cfg;
    ecomd_store *store;
    ecomd_keys *keys;
    ecomd_metrics *metrics;
    ecomd_rules *rules;
    struct MHD_Daemon *daemon;
    ecomd_conns *conns;
    ecomd_offload *offload;
    atomic_int draining;
    atomic_long inflight;
    /* Requests that failed in the store in a row, and the write probe of
     * /readyz (handlers_core.c). */
    atomic_int store_failures;
    atomic_llong probe_at_ns;
    atomic_int probe_failed;
    unsigned port;                 /* the port actually bound */
    struct ecomd_relay *relay;     /* NULL without --events */
    struct ecomd_regions *regions; /* NULL in one region (no --peers) */
};

#define ECOMD_MAX_HEADERS 4
/* More query arguments than this are refused (431): no endpoint takes more
 * than seven, and each costs MHD a record in the connection's memory. */
#define ECOMD_QUERY_ARGS_MAX 64

/* A request refused on its head, answered when its body need not be read. */
typedef struct ecomd_refusal {
    unsigned status; /* 0: not refused */
    ec_status code;
    const char *field, *message;
} ecomd_refusal;

struct MHD_Response;

struct ecomd_request {
    ecomd_server *srv;
    struct MHD_Connection *conn;
    int method;
    int route;    /* index, or the route count for unmatched */
    char *url;    /* the path as sent, not yet percent-decoded */
    size_t nargs; /* query arguments */
    int started;
    char *body;
    size_t body_len;
    size_t body_cap;
    int too_large;
    int timed_out; /* --request-timeout passed while receiving */
    int64_t t0_ns; /* the request line arrived */
    unsigned status;
    int role;
    const char *key_name; /* the API key's name; NULL without keys */
    char params[ECOMD_MAX_PARAMS][ECOMD_PARAM_MAX];
    size_t nparams;
    char request_id[72];
    char trace_id[33];
    char span_id[17];
    char trace_flags[3];
    const char *header_names[ECOMD_MAX_HEADERS];
    char header_values[ECOMD_MAX_HEADERS][160];
    size_t nheaders;
    int answered;
    ecomd_refusal refusal;
    char allow[64];      /* the path's methods, for Allow (405, OPTIONS) */
    int options;         /* an OPTIONS request, answered by the server */
    int cors;            /* the Origin is one --cors-origin lists */
    char client[48];     /* the peer's address (conns.c) */
    char error_code[32]; /* the code of the error document answered */
    /* The body of the answer queued (owned by MHD's response, alive until
     * the request completes): written directly when MHD could not send it. */
    const char *sent_body;
    size_t sent_len;
    /* Work moved off MHD's thread (ecomd_offload_request): the connection is
     * suspended, and the answer waits in `pending` until it is resumed. */
    int offloaded;
    struct MHD_Response *pending;
    unsigned pending_status;
};

/* A request header's value, NULL when absent (reply.c). */
const char *ecomd_header(ecomd_request *r, const char *name);
/* The version an If-Match header names ("\"3\""): -1 when absent, -2 when
 * malformed. */
int64_t ecomd_if_match(ecomd_request *r);
/* A query-string argument, NULL when absent. */
const char *ecomd_query(ecomd_request *r, const char *name);
/* Add a response header for the reply to come (value copied). */
void ecomd_add_header(ecomd_request *r, const char *name, const char *value);
/* Answer with a JSON body; `body` is malloc'd and taken over. */
void ecomd_reply(ecomd_request *r, unsigned status, char *body, size_t len);
/* Answer with a copy of `body`. */
void ecomd_reply_copy(ecomd_request *r, unsigned status, const char *body, size_t len);
/* Answer with a malloc'd body of another content type (taken over). */
void ecomd_reply_text(ecomd_request *r, unsigned status, char *body, size_t len,
                      const char *content_type);
/* Answer with the error document; message NULL for the default. */
void ecomd_reply_error(ecomd_request *r, unsigned status, ec_status code, const char *field,
                       const char *message);
/* Answer with the error document of err, with the HTTP status its code maps to. */
void ecomd_reply_ec_error(ecomd_request *r, const ec_error *err);
/* Write the error document {"error": {"code", "message", "field"?}} into
 * buf; returns its length. */
size_t ecomd_error_document(char *buf, size_t size, ec_status code, const char *field,
                            const char *message);
/* Queue the answer made off MHD's thread; 0 when there is none. */
int ecomd_reply_pending(ecomd_request *r);
/* Write an answer straight on a socket MHD is closing without one
 * (mhd_errors.c); the socket is then shut down for writing. */
void ecomd_answer_on_socket(int fd, unsigned status, const char *body, size_t len,
                            const char *request_id);
/* A request MHD dropped without completing it (conns.c): answered on fd
 * when `unwritten` (nothing was written for it), logged, counted, freed. */
void ecomd_request_abandoned(ecomd_request *r, int fd, int unwritten);
/* The error code of an answer libmicrohttpd made itself, by its status
 * (mhd_errors.c makes them; for the access log). */
const char *ecomd_mhd_error_code(unsigned status);
/* HTTP status for a library status. */
unsigned ecomd_http_status(ec_status st);

int ecomd_server_start(ecomd_server *srv);
/* Drain: readyz 503 now, grace, stop accepting, wait for in-flight, stop. */
void ecomd_server_drain(ecomd_server *srv);

/* ---- writes (write.c) -------------------------------------------------------------------- */

/* What a write operation answers: an HTTP status and a malloc'd JSON body,
 * plus headers to send (not stored with an idempotent replay). */
typedef struct ecomd_outcome {
    unsigned status;
    ec_status code; /* EC_OK, or what refused the request */
    char *body;
    size_t len;
    const char *header_names[2];
    char header_values[2][160];
    size_t nheaders;
} ecomd_outcome;

/* The operation of a write request, run inside its transaction.  It fills
 * `out` (also for refusals: 4xx) and returns EC_OK, or a store failure,
 * which rolls everything back and answers 503. */
typedef ec_status (*ecomd_write_fn)(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out);

/* Run fn in one transaction with the request's Idempotency-Key (refused
 * with 400 when key_required and absent), and answer.  Returns the status
 * of fn's outcome once it is committed and answered; 0 when the answer is
 * something else (a replay, a refused key, a store failure). */
unsigned ecomd_write(ecomd_request *r, int key_required, ecomd_write_fn fn, void *ctx);
/* 503 (or 500 for EC_NO_MEMORY / EC_INTERNAL) for a failed store call;
 * 400 when the call failed on a value of the request (below). */
void ecomd_reply_store_error(ecomd_request *r, ec_status st);
/* A store call failed on a value the request carried, not on the store
 * (PostgreSQL's data exceptions, SQLSTATE class 22: text that is not
 * UTF-8, a NUL, a number out of range).  The adapter notes it for the
 * thread that made the call; the answer is then 400, and no store error
 * is counted.  _take reads and clears the note. */
void ecomd_store_data_error_note(void);
int ecomd_store_data_error_take(void);
/* Answer 400 when the last failed store call failed on a value (1). */
int ecomd_reply_data_error(ecomd_request *r);

/* ---- documents (documents.c) ---------------------------------------------------------------- */

/* items (of `size` bytes each, *cap of them) with room for `need`: the
 * same pointer, or a larger copy (*cap updated), or NULL without memory
 * (items then untouched). */
void *ecomd_grow(void *items, size_t *cap, size_t need, size_t size);

struct cJSON;

/* A growable text buffer: appends never fail half-way (a failure marks
 * it), and ecomd_doc_take() hands the text over (malloc'd) or NULL. */
typedef struct ecomd_doc {
    char *p;
    size_t len, cap;
    int failed;
} ecomd_doc;

void ecomd_doc_add(ecomd_doc *d, const char *s, size_t n);
void ecomd_doc_lit(ecomd_doc *d, const char *s);
void ecomd_doc_str(ecomd_doc *d, const char *s); /* a quoted JSON string */
void ecomd_doc_printf(ecomd_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *ecomd_doc_take(ecomd_doc *d, size_t *len);

/* The process_* metrics (process_metrics.c), appended to d. */
void ecomd_process_metrics(ecomd_doc *d);

/* Refusals: the error document (codes of the library's status table) and
 * the HTTP status its code maps to.  _shortage adds what the inventory
 * reported short ("sku", "location", "requested", "available"). */
void ecomd_refuse(ecomd_outcome *out, const ec_error *err);
void ecomd_refuse_shortage(ecomd_outcome *out, const ec_error *err,
                           const ec_inventory_result *shortage);
void ecomd_refuse_with(ecomd_outcome *out, ec_status code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A success: `body` (malloc'd) is taken over. */
void ecomd_answer(ecomd_outcome *out, unsigned status, char *body, size_t len);
void ecomd_outcome_header(ecomd_outcome *out, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The request body as a JSON object, read by the library's rules
 * (ec_json_check); NULL after answering 400.  Free with cJSON_Delete(). */
struct cJSON *ecomd_body_object(ecomd_request *r);
/* The body (an object, read as ecomd_body_object() reads it) with the
 * server's `members` ("\"op\":\"set\",...") first, as one document
 * for the library to read: a member the client also sent then appears
 * twice and is refused naming it.  NULL after answering 400. */
char *ecomd_body_with(ecomd_request *r, const char *members, size_t *len);
/* A stored cart document with the time it is priced at and its id in
 * front (stored carts carry neither: they are priced "now"), as the
 * library reads a cart (malloc'd; NULL when out of memory). */
char *ecomd_cart_doc_at(const char *doc, const char *cart_id, int64_t at_us);
/* A string member, NULL when absent or not a string. */
const char *ecomd_body_string(const struct cJSON *obj, const char *key);
/* 1 when every key of obj is in `keys` (NULL-terminated); else answers
 * 400 naming the first other key and returns 0. */
int ecomd_body_only(ecomd_request *r, const struct cJSON *obj, const char *const *keys);

/* ---- promotion counts of a checkout (promotion_counts.c) --------------------------------- */

/* Room for the key of any coupon code a cart can hold (1 to 128 bytes). */
#define ECOMD_COUPON_KEY_MAX 136

/* The key a coupon code's uses are kept under: the code in ASCII lower
 * case, since codes compare without regard to ASCII case.  0 when it
 * does not fit in size. */
int ecomd_coupon_key(char *key, size_t size, const char *code);

/* The keys a checkout has locked (promotion ids, "coupon:" + code keys). */
typedef struct ecomd_locks {
    char **keys;
    size_t n, cap;
} ecomd_locks;

/* Lock, in tx, what the prepared checkout spends of the limited
 * promotions of rs (their ids and their codes' keys) that l does not hold
 * yet, smallest first; *added tells whether there was any. */
ec_status ecomd_lock_spent(ecomd_store *s, ecomd_tx *tx, const ecomd_ruleset *rs,
                           const ec_checkout *co, ecomd_locks *l, int *added);
void ecomd_locks_free(ecomd_locks *l);
/* Count, in tx, what the prepared checkout spends (ec_checkout_use_*)
 * for its order, priced from `cart`. */
ec_status ecomd_count_spent(ecomd_store *s, ecomd_tx *tx, ec_checkout *co, const ec_cart *cart);

/* An outbox event's document {"id", "type", "at", "data"} (events.c), as
 * GET /v1/events lists it and the relay publishes it; `data` is JSON text
 * and goes in as it is.  NULL when out of memory; free with cJSON_Delete(). */
struct cJSON *ecomd_event_json(int64_t id, const char *type, const char *at, const char *data);
/* The events_list of store.h for either store, on its events_each. */
ec_status ecomd_events_page(ecomd_store *s, int64_t after, int limit, char **json, size_t *len,
                            int64_t *next);

/* ---- the outbox relay (relay.c) ------------------------------------------------------------ */

typedef struct ecomd_relay ecomd_relay;

/* Start the relay's thread (cfg.events_url set).  NULL with a message on
 * stderr when its settings are refused. */
ecomd_relay *ecomd_relay_start(ecomd_server *srv);
/* Stop after the round in progress, give the lease up, join and free.
 * NULL is accepted. */
void ecomd_relay_stop(ecomd_relay *r);
/* 1 while connected to the broker, with the stream in place. */
int ecomd_relay_ready(ecomd_relay *r);
/* The relay's metrics appended to the /metrics page `text` (malloc'd,
 * *len bytes; reallocated); NULL when out of memory (text is freed). */
char *ecomd_relay_metrics(ecomd_relay *r, char *text, size_t *len);

/* ---- orders (handlers_order_events.c) ------------------------------------------------------ */

/* Apply an event document (the request body; `at` and `expected_version`
 * filled from the server's clock and If-Match when it has none) to order
 * `id` inside tx, with its stock, promotion and payment effects; fills
 * out (200 with {"order", "effects", "duplicate"}, or the refusal). */
typedef struct ecomd_event_in {
    const char *body;
    size_t len;
    int64_t at_us;            /* when the body gives no "at" */
    int64_t expected_version; /* from If-Match, -1 when none */
} ecomd_event_in;

ec_status ecomd_order_event(ecomd_server *srv, ecomd_tx *tx, const char *id,
                            const ecomd_event_in *in, ecomd_outcome *out);
/* Expire active reservations and unpaid orders past their time. */
void ecomd_sweep(ecomd_server *srv);

/* ---- logging (log.c) ------------------------------------------------------------- */

/* One JSON line on stderr with ts, level, msg and the instance fields;
 * `extra` (may be NULL) is a fragment of further members ("\"a\":1"). */
void ecomd_log(const ecomd_server *srv, const char *level, const char *msg, const char *extra);
/* --log-level and --access-log, before any thread logs; and whether a
 * line of `level` ("debug", "info", "warn", "error") is written. */
void ecomd_log_setup(int level, int access);
int ecomd_log_enabled(const char *level);
void ecomd_log_request(const ecomd_request *r, double seconds);
/* Append s to buf as a JSON string (quoted, escaped); returns bytes written
 * or 0 when it does not fit. */
size_t ecomd_json_quote(char *buf, size_t size, const char *s);
/* MHD's error logger. */
void ecomd_mhd_logger(void *cls, const char *fmt, va_list ap);

/* ---- readiness (handlers_core.c) --------------------------------------------------- */

/* After this many requests in a row failed in the store, /readyz writes a
 * probe before it answers 200. */
#define ECOMD_STORE_FAILURES_PROBED 3

/* A request failed in the store (ok 0), or a write committed (ok 1). */
void ecomd_store_outcome(ecomd_server *srv, int ok);

/* ---- handlers --------------------------------------------------------------------- */

void ecomd_h_healthz(ecomd_request *r);
void ecomd_h_readyz(ecomd_request *r);
void ecomd_h_metrics(ecomd_request *r);
void ecomd_h_version(ecomd_request *r);
void ecomd_h_price(ecomd_request *r);
void ecomd_h_rules_get(ecomd_request *r);
void ecomd_h_rules_put(ecomd_request *r);
void ecomd_h_events(ecomd_request *r);
void ecomd_h_stock_put(ecomd_request *r);
void ecomd_h_stock_get(ecomd_request *r);
void ecomd_h_reservations_post(ecomd_request *r);
void ecomd_h_reservation_get(ecomd_request *r);
void ecomd_h_reservation_release(ecomd_request *r);
void ecomd_h_orders_post(ecomd_request *r);
void ecomd_h_order_get(ecomd_request *r);
void ecomd_h_order_events_post(ecomd_request *r);
void ecomd_h_carts_post(ecomd_request *r);
void ecomd_h_cart_get(ecomd_request *r);
void ecomd_h_cart_patch(ecomd_request *r);
void ecomd_h_cart_line_put(ecomd_request *r);
void ecomd_h_cart_coupon_post(ecomd_request *r);
void ecomd_h_cart_coupon_delete(ecomd_request *r);
void ecomd_h_orders_list(ecomd_request *r);
void ecomd_h_reservations_list(ecomd_request *r);
void ecomd_h_carts_list(ecomd_request *r);

/* The documents the single GETs answer, for the lists too.  A stored cart
 * (text, its version) priced now (malloc'd; NULL with *st set when it
 * cannot be had); a reservation as it stands at `now` (EC_NOT_FOUND when
 * unknown; *doc malloc'd by the library: ecomd_reply takes it). */
char *ecomd_cart_document(ecomd_request *r, const char *id, int64_t version, const char *text,
                          ec_status *st);
ec_status ecomd_reservation_document(ecomd_server *srv, const char *id, int64_t now, char **doc,
                                     size_t *len);
void ecomd_h_transfers_post(ecomd_request *r);
void ecomd_h_regions_get(ecomd_request *r);
void ecomd_h_region_recover(ecomd_request *r);

/* RFC 3339 UTC with microseconds ("2026-11-25T10:00:00.000000Z"). */
void ecomd_format_time(int64_t us, char *buf, size_t size);

/* Monotonic and wall clocks. */
int64_t ecomd_mono_ns(void);
int64_t ecomd_now_us(void);

/* n random bytes for ids, from the CSPRNG in bulk (random.c). */
void ecomd_random(void *out, size_t n);
/* A new id: `prefix`, then 32 hex digits (6 bytes of the millisecond, 10
 * random); `size` must hold strlen(prefix) + 33 bytes. */
#define ECOMD_ID_BYTES 16
void ecomd_new_id(char *out, size_t size, const char *prefix);

#endif /* ECOMD_H */
