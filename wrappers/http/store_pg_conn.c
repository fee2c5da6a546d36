/* store_pg_conn.c - the PostgreSQL adapter's connections: opening them,
 * running statements with a time limit, and the pool.
 *
 * A database that hangs must not hang ecomd.  A frozen server (a stopped
 * process, a paused VM, a host cut off without a reset) keeps TCP sockets
 * open and answers nothing, so every wait here is bounded:
 *   - connecting: libpq's connect_timeout, per host of the string;
 *   - a round trip: ecomd's own clock (--store-timeout-ms plus one second,
 *     so that the server's statement_timeout error arrives first when the
 *     server is merely slow); a connection that passes it is dropped;
 *   - an idle or half-open socket: TCP keepalives and tcp_user_timeout;
 *   - a free connection from the pool: --pool-wait-ms, else the caller gets
 *     the pool's stand-in, on which every statement fails at once.
 * Every failure is one JSON log line with the server's message and SQLSTATE;
 * the request it fails answers 503 and is counted there. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecomd.h"
#include "store_pg.h"

/* libpq settings ecomd adds to every connection unless the connection
 * string sets them itself (the string's values win): detect a dead peer
 * within about ten seconds even on an idle connection, and give up on a
 * host that does not complete the start-up exchange within two (libpq's
 * least) before trying the next host of the string. */
static const char *const conn_keys[] = {
    "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "dbname",          NULL};
static const char *const conn_defaults[] = {"2", "1", "5", "2", "3", "10000"};

static void pg_log_at(pg_store *s, pg_conn *c, const char *level, const char *msg,
                      const char *detail, const char *sqlstate)
{
    char extra[1000], quoted[600], host[300];
    const char *h = c && c->db ? PQhost(c->db) : NULL;
    if (!ecomd_json_quote(quoted, sizeof quoted, detail ? detail : "")) strcpy(quoted, "\"\"");
    if (!ecomd_json_quote(host, sizeof host, h ? h : "")) strcpy(host, "\"\"");
    snprintf(extra, sizeof extra,
             "\"store\":\"postgresql\",\"host\":%s,\"sqlstate\":\"%.5s\","
             "\"detail\":%s",
             host, sqlstate ? sqlstate : "", quoted);
    ecomd_log(s ? s->log : NULL, level, msg, extra);
}

void pg_log(pg_store *s, pg_conn *c, const char *msg, const char *detail, const char *sqlstate)
{
    pg_log_at(s, c, "error", msg, detail, sqlstate);
}

/* Dropped connections are re-opened by the next pg_acquire. */
static void pg_drop(pg_conn *c)
{
    if (c->db) PQfinish(c->db);
    c->db = NULL;
    c->broken = 1;
    pg_stmts_clear(&c->stmts);
}

/* ---- one round trip with a deadline ---------------------------------------------------- */

/* Wait until the socket is ready for `events` or the deadline passes (0). */
static int pg_wait(PGconn *db, short events, int64_t deadline_ns)
{
    struct pollfd p = {.fd = PQsocket(db), .events = events};
    for (;;) {
        int64_t left_ms = deadline_ns ? (deadline_ns - ecomd_mono_ns()) / 1000000 : -1;
        if (deadline_ns && left_ms <= 0) return 0;
        int n = poll(&p, 1, left_ms > 1000000 ? 1000000 : (int)left_ms);
        if (n > 0) return 1;
        if (n == 0) return 0;
        if (errno != EINTR) return 1; /* let libpq report the socket's error */
    }
}

/* Collect what PQexec would return for what was sent: the last result,
 * or the first error.  Sets *late when the deadline passed. */
static PGresult *pg_collect(pg_conn *c, int64_t deadline, int *late)
{
    int flushed;
    while ((flushed = PQflush(c->db)) == 1) {
        if (!pg_wait(c->db, POLLIN | POLLOUT, deadline)) return *late = 1, NULL;
        if (!PQconsumeInput(c->db)) break;
    }
    /* libpq needs every result read; PQgetResult blocks while the answer
     * is incomplete (PQisBusy), or returns at once on a broken socket. */
    PGresult *keep = NULL;
    int keep_ok = 1;
    for (;;) {
        while (flushed == 0 && PQisBusy(c->db)) {
            if (!pg_wait(c->db, POLLIN, deadline)) {
                PQclear(keep);
                return *late = 1, NULL;
            }
            if (!PQconsumeInput(c->db)) break;
        }
        PGresult *res = PQgetResult(c->db);
        if (!res) break;
        ExecStatusType st = PQresultStatus(res);
        if (!keep_ok) { /* the first error stays */
            PQclear(res);
            continue;
        }
        PQclear(keep);
        keep = res;
        keep_ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    }
    return keep;
}

/* Prepare sql under its name when this session has not yet: 1 when it may
 * run by name, 0 when it runs unprepared, -1 with *out (NULL or the
 * error) when preparing failed. */
static int pg_prepare(pg_conn *c, const char *sql, int n, char name[PG_STMT_NAME], int64_t deadline,
                      int *late, PGresult **out)
{
    int known = pg_stmts_lookup(&c->stmts, sql, name);
    if (known != 0) return known > 0;
    if (!PQsendPrepare(c->db, name, sql, n, NULL)) return *out = NULL, -1;
    PGresult *res = pg_collect(c, deadline, late);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) return *out = res, -1;
    PQclear(res);
    pg_stmts_add(&c->stmts, sql);
    return 1;
}

/* Send one statement and collect its result (pg_collect).  Without
 * parameters the simple protocol, which also takes several statements at
 * once (the migrations, BEGIN with its settings); with them, by name once
 * prepared (store_pg_stmts.c). */
static PGresult *pg_exec(pg_conn *c, const char *sql, int n, const char *const *vals,
                         const int *lens, const int *fmts, int binary, int *late)
{
    int64_t deadline = c->answer_ms ? ecomd_mono_ns() + (int64_t)c->answer_ms * 1000000 : 0;
    int sent;
    if (n == 0 && !binary) {
        sent = PQsendQuery(c->db, sql);
    } else {
        char name[PG_STMT_NAME];
        PGresult *failed = NULL;
        int named = c->store && c->store->prepare
                        ? pg_prepare(c, sql, n, name, deadline, late, &failed)
                        : 0;
        if (named < 0) return failed;
        sent = named ? PQsendQueryPrepared(c->db, name, n, vals, lens, fmts, binary)
                     : PQsendQueryParams(c->db, sql, n, NULL, vals, lens, fmts, binary);
    }
    return sent ? pg_collect(c, deadline, late) : NULL;
}

/* SQLSTATEs after which the session is no use: the connection is gone
 * (class 08), the server shuts down or restarts (57P01-57P03), the host
 * is no longer the primary (25006: a failover demoted it), or a prepared
 * statement no longer fits its tables (0A000, "cached plan must not change
 * result type", after another instance's migration): a new session
 * prepares afresh. */
static int pg_lost(const char *code)
{
    return code && (strncmp(code, "08", 2) == 0 || strcmp(code, "57P01") == 0 ||
                    strcmp(code, "57P02") == 0 || strcmp(code, "57P03") == 0 ||
                    strcmp(code, "25006") == 0 || strcmp(code, "0A000") == 0);
}

PGresult *pg_run(pg_conn *c, const char *sql, int n, const char *const *vals, const int *lens,
                 const int *fmts, int binary, char sqlstate[6])
{
    if (sqlstate) sqlstate[0] = '\0';
    /* The pool's stand-in, or a connection dropped earlier in this
     * transaction: already logged. */
    if (!c->db) return NULL;
    int late = 0;
    PGresult *res = pg_exec(c, sql, n, vals, lens, fmts, binary, &late);
    if (late) {
        char detail[96];
        snprintf(detail, sizeof detail, "no answer within %u ms; connection dropped", c->answer_ms);
        pg_log(c->store, c, "the database did not answer", detail, NULL);
        pg_drop(c);
        c->unreachable = 1;
        return NULL;
    }
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
    const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (sqlstate && code) snprintf(sqlstate, 6, "%s", code);
    /* A unique violation is an answer (a conflict), not a failure; a data
     * exception (class 22: a parameter that is not UTF-8, holds a NUL or
     * is out of range) is the request's fault, not the store's. */
    if (code && strncmp(code, "22", 2) == 0) {
        ecomd_store_data_error_note();
        pg_log_at(c->store, c, "warn", "the store refused a value", PQerrorMessage(c->db), code);
    } else if (!code || strcmp(code, "23505") != 0) {
        pg_log(c->store, c, "store error", PQerrorMessage(c->db), code);
    }
    if (PQstatus(c->db) != CONNECTION_OK || pg_lost(code)) pg_drop(c);
    PQclear(res);
    return NULL;
}

ec_status pg_do(pg_conn *c, const char *sql, int n, const char *const *vals)
{
    PGresult *res = pg_run(c, sql, n, vals, NULL, NULL, 0, NULL);
    PQclear(res);
    return res ? EC_OK : EC_UNAVAILABLE;
}

/* ---- connecting ----------------------------------------------------------------------- */

static void pg_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* NOTICEs (e.g. "relation already exists") are not errors */
}

/* (Re)connect; libpq walks the hosts of the connection string.  The
 * defaults come before the expanded string, so its own values win. */
int pg_connect(pg_store *s, pg_conn *c)
{
    if (c == &s->none) return 0;
    if (c->db) PQfinish(c->db);
    pg_stmts_clear(&c->stmts);
    const char *values[sizeof conn_keys / sizeof conn_keys[0]];
    memcpy(values, conn_defaults, sizeof conn_defaults);
    values[sizeof conn_defaults / sizeof conn_defaults[0]] = s->conninfo;
    values[sizeof conn_keys / sizeof conn_keys[0] - 1] = NULL;
    c->db = PQconnectdbParams(conn_keys, values, 1);
    c->broken = !c->db || PQstatus(c->db) != CONNECTION_OK;
    c->unreachable = c->broken;
    c->answer_ms = s->timeout_ms + 1000;
    c->store = s;
    if (c->broken) {
        pg_log(s, NULL, "cannot connect", c->db ? PQerrorMessage(c->db) : "out of memory", NULL);
        if (c->db) PQfinish(c->db);
        c->db = NULL;
        return 0;
    }
    PQsetNoticeProcessor(c->db, pg_notice, NULL);
    if (PQsetnonblocking(c->db, 1) != 0) {
        pg_log(s, c, "cannot connect", PQerrorMessage(c->db), NULL);
        pg_drop(c);
        return 0;
    }
    return 1;
}

/* ---- the pool ------------------------------------------------------------------------- */

pg_conn *pg_acquire(pg_store *s)
{
    pg_conn *c = NULL;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long long ns = until.tv_nsec + (long long)s->wait_ms * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    int waited_out = 0;
    pthread_mutex_lock(&s->mu);
    while (!c && !waited_out) {
        for (unsigned i = 0; i < s->nconns && !c; i++)
            if (!s->conns[i].busy) c = &s->conns[i];
        if (!c) waited_out = pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT;
    }
    if (c) c->busy = 1;
    pthread_mutex_unlock(&s->mu);
    if (!c) {
        char detail[96];
        snprintf(detail, sizeof detail, "all %u connections busy for %u ms", s->nconns, s->wait_ms);
        pg_log(s, NULL, "no database connection is free", detail, NULL);
        return &s->none;
    }
    if (c->broken || !c->db || PQstatus(c->db) != CONNECTION_OK) pg_connect(s, c);
    return c;
}

void pg_release(pg_store *s, pg_conn *c)
{
    if (c == &s->none) return;
    /* A connection left inside a transaction (a failed statement) would
     * hold its locks: end it, or drop the connection. */
    if (c->db && !c->broken && PQtransactionStatus(c->db) != PQTRANS_IDLE &&
        pg_do(c, "ROLLBACK", 0, NULL) != EC_OK)
        pg_drop(c);
    pthread_mutex_lock(&s->mu);
    c->busy = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* A server that did not answer in time, or could not be reached just now,
 * is likely to fail again: the request answers 503 at once rather than
 * after another connect_timeout. */
int pg_retry(pg_store *s, pg_conn *c)
{
    return c->broken && !c->unreachable && pg_connect(s, c);
}

/* A read outside any transaction: retried once when the connection was
 * lost (the server restarted, or failed over to another host). */
PGresult *pg_read(pg_store *s, pg_conn *c, const char *sql, int n, const char *const *vals,
                  int binary)
{
    PGresult *res = pg_run(c, sql, n, vals, NULL, NULL, binary, NULL);
    if (!res && pg_retry(s, c)) res = pg_run(c, sql, n, vals, NULL, NULL, binary, NULL);
    return res;
}

int pg_pool_init(pg_store *s)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0) return 0;
    int ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&s->cv, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok) return 0;
    pthread_mutex_init(&s->mu, NULL);
    s->none.busy = 1;
    s->none.broken = 1;
    return 1;
}
