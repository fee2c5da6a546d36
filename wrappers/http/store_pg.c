/* store_pg.c - the PostgreSQL adapter of store.h, for instances that share
 * one database (active-active).
 *
 * The --store value is any libpq connection string (postgresql://... URI,
 * several hosts with target_session_attrs=read-write included): libpq
 * itself picks the writable host on each (re)connect.  A pool holds one
 * connection per server thread plus spares (store_pg_conn.c); a connection
 * that lost its server is reset before its next use, and a statement that
 * failed that way outside a transaction (reads, BEGIN) is retried once on
 * the fresh connection, which is safe because nothing was written.  A
 * write whose connection drops mid-transaction answers 503: the client
 * retries with its Idempotency-Key, which replays the response if the
 * commit happened.  Locking: see store_pg.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecomd.h"
#include "store_pg.h"
#include "store_pg_sql.h"

const char *pg_int(char buf[PG_INT_BUF], int64_t v)
{
    snprintf(buf, PG_INT_BUF, "%lld", (long long)v);
    return buf;
}

char *pg_dup(const PGresult *res, int row, int col, size_t *len)
{
    size_t n = (size_t)PQgetlength(res, row, col);
    char *copy = malloc(n + 1);
    if (!copy) return NULL;
    if (n) memcpy(copy, PQgetvalue(res, row, col), n);
    copy[n] = '\0';
    if (len) *len = n;
    return copy;
}

/* ---- migrations ----------------------------------------------------------------------- */

/* Without a time limit: a migration may rewrite a large table. */
static ec_status pg_migrate(pg_conn *c)
{
    unsigned answer_ms = c->answer_ms;
    c->answer_ms = 0;
    ec_status st = pg_do(c, "BEGIN", 0, NULL);
    if (st == EC_OK) st = pg_do(c, "SELECT pg_advisory_xact_lock(" PG_LOCK_MIGRATE ")", 0, NULL);
    if (st == EC_OK)
        st = pg_do(c, "CREATE TABLE IF NOT EXISTS schema_version(version integer NOT NULL)", 0,
                   NULL);
    PGresult *res = st == EC_OK ? pg_run(c, "SELECT coalesce(max(version), 0) FROM schema_version",
                                         0, NULL, NULL, NULL, 0, NULL)
                                : NULL;
    int current = res ? atoi(PQgetvalue(res, 0, 0)) : 0;
    if (!res) st = EC_UNAVAILABLE;
    PQclear(res);
    for (int v = current + 1; st == EC_OK && v <= pg_migration_count; v++) {
        char buf[PG_INT_BUF];
        const char *vals[1] = {pg_int(buf, v)};
        st = pg_do(c, pg_migrations[v - 1], 0, NULL);
        if (st == EC_OK)
            st = pg_do(c, "INSERT INTO schema_version(version) VALUES ($1::integer)", 1, vals);
    }
    if (st == EC_OK)
        st = pg_do(c, "COMMIT", 0, NULL);
    else
        pg_do(c, "ROLLBACK", 0, NULL);
    c->answer_ms = answer_ms;
    return st;
}

/* ---- reads ------------------------------------------------------------------------------ */

/* /readyz: a database that does not answer within --pool-wait-ms (for a
 * connection, then for SELECT 1) is not ready. */
static ec_status pg_ping(ecomd_store *base)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = pg_acquire(s);
    unsigned answer_ms = c->answer_ms;
    if (c != &s->none) c->answer_ms = s->wait_ms;
    PGresult *res = pg_read(s, c, "SELECT 1", 0, NULL, 0);
    if (c != &s->none) c->answer_ms = answer_ms;
    PQclear(res);
    pg_release(s, c);
    return res ? EC_OK : EC_UNAVAILABLE;
}

static ec_status pg_rules_current(ecomd_store *base, int64_t *version, char **body, size_t *len)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = pg_acquire(s);
    PGresult *res = pg_read(s, c,
                            body ? "SELECT version, body FROM rules ORDER BY version DESC LIMIT 1"
                                 : "SELECT coalesce(max(version), 0) FROM rules",
                            0, NULL, 0);
    ec_status rc = res ? EC_OK : EC_UNAVAILABLE;
    *version = 0;
    if (body) *body = NULL;
    if (res && PQntuples(res) == 1) {
        *version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        if (body && *version > 0 && !(*body = pg_dup(res, 0, 1, len))) rc = EC_NO_MEMORY;
    }
    PQclear(res);
    pg_release(s, c);
    return rc;
}

/* ---- transactions ---------------------------------------------------------------------- */

static ec_status pg_tx_begin(ecomd_store *base, ecomd_tx **out)
{
    pg_store *s = (pg_store *)base;
    ecomd_tx *tx = malloc(sizeof *tx);
    if (!tx) return EC_NO_MEMORY;
    tx->store = s;
    tx->conn = pg_acquire(s);
    ec_status st = pg_do(tx->conn, s->begin_write, 0, NULL);
    /* Nothing was written yet: a lost connection is retried once. */
    if (st != EC_OK && pg_retry(s, tx->conn)) st = pg_do(tx->conn, s->begin_write, 0, NULL);
    if (st != EC_OK) {
        pg_release(s, tx->conn);
        free(tx);
        return EC_UNAVAILABLE;
    }
    *out = tx;
    return EC_OK;
}

static void pg_tx_rollback(ecomd_tx *tx)
{
    if (!tx) return;
    if (!tx->conn->broken && pg_do(tx->conn, "ROLLBACK", 0, NULL) != EC_OK) tx->conn->broken = 1;
    pg_release(tx->store, tx->conn);
    free(tx);
}

/* With synchronous replication, a COMMIT waits for the standby after the
 * commit is already durable on the primary.  A statement_timeout firing
 * in that wait cancels only the wait: PostgreSQL then reports success
 * with a warning, for a commit the standby may never have received, which
 * a failover would lose after ecomd acknowledged it.  So the COMMIT runs
 * without the timeout (in the same round trip; PostgreSQL 13 and later
 * time each statement of a string separately), and only ecomd's own
 * limit applies: the connection is dropped, the request answers 503 and
 * the client's retry with its Idempotency-Key finds out what happened.
 * In an aborted transaction the SET fails and COMMIT is not sent. */
static ec_status pg_tx_commit(ecomd_tx *tx)
{
    ec_status st = pg_do(tx->conn, "SET LOCAL statement_timeout = 0; COMMIT", 0, NULL);
    pg_release(tx->store, tx->conn);
    free(tx);
    return st;
}

/* ---- writes ---------------------------------------------------------------------------- */

/* An update of schema_version's newest row to itself: a new row version,
 * WAL written and flushed at the commit, nothing changed. */
static ec_status pg_write_probe(ecomd_tx *tx)
{
    return pg_do(tx->conn,
                 "UPDATE schema_version SET version = version"
                 " WHERE version = (SELECT max(version) FROM schema_version)",
                 0, NULL);
}

static ec_status pg_rules_insert(ecomd_tx *tx, const char *body, size_t len, int64_t expected,
                                 int64_t at_us, int64_t *version)
{
    /* Two instances activating rulesets at once queue here, so "previous
     * + 1" and the expected-version check see every committed version. */
    if (pg_do(tx->conn, "SELECT pg_advisory_xact_lock(" PG_LOCK_RULES ")", 0, NULL) != EC_OK)
        return EC_UNAVAILABLE;
    PGresult *res = pg_run(tx->conn, "SELECT coalesce(max(version), 0) FROM rules", 0, NULL, NULL,
                           NULL, 0, NULL);
    if (!res) return EC_UNAVAILABLE;
    int64_t current = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    if (expected >= 0 && current != expected) return EC_VERSION_CONFLICT;
    char *copy = malloc(len + 1);
    if (!copy) return EC_NO_MEMORY;
    memcpy(copy, body, len);
    copy[len] = '\0';
    char b1[PG_INT_BUF], b2[PG_INT_BUF];
    const char *vals[3] = {pg_int(b1, current + 1), copy, pg_int(b2, at_us)};
    ec_status st = pg_do(tx->conn,
                         "INSERT INTO rules(version, body, created_at)"
                         " VALUES ($1::bigint, $2, $3::bigint)",
                         3, vals);
    free(copy);
    *version = st == EC_OK ? current + 1 : 0;
    return st;
}

static ec_status pg_event_add(ecomd_tx *tx, const char *type, const char *data, int64_t at_us)
{
    /* Outbox ids must become visible in id order, or a reader paging with
     * ?after= would skip an event committed late with a smaller id.  The
     * lock is taken last in every transaction and held until its commit,
     * which makes the outbox append-only in commit order. */
    if (pg_do(tx->conn, "SELECT pg_advisory_xact_lock(" PG_LOCK_OUTBOX ")", 0, NULL) != EC_OK)
        return EC_UNAVAILABLE;
    char at[48];
    ecomd_format_time(at_us, at, sizeof at);
    const char *vals[3] = {type, at, data};
    return pg_do(tx->conn, "INSERT INTO outbox(type, at, data) VALUES ($1, $2, $3)", 3, vals);
}

static ec_status pg_idem_get(ecomd_tx *tx, const char *owner, const char *key, ecomd_idem *out)
{
    memset(out, 0, sizeof *out);
    const char *vals[2] = {owner, key};
    /* A second request with the same key waits for the first one's commit
     * and then replays its response, instead of failing on the key. */
    if (pg_do(tx->conn, "SELECT pg_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0))", 2,
              vals) != EC_OK)
        return EC_UNAVAILABLE;
    /* Binary results: the hash and body are bytea. */
    PGresult *res = pg_run(tx->conn,
                           "SELECT hash, status, body FROM idempotency"
                           " WHERE owner = $1 AND key = $2",
                           2, vals, NULL, NULL, 1, NULL);
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = EC_OK;
    if (PQntuples(res) == 1 && PQgetlength(res, 0, 0) == 32 && PQgetlength(res, 0, 1) == 4) {
        uint32_t status_be;
        out->found = 1;
        memcpy(out->hash, PQgetvalue(res, 0, 0), 32);
        memcpy(&status_be, PQgetvalue(res, 0, 1), 4);
        out->status = ntohl(status_be);
        if (!(out->body = pg_dup(res, 0, 2, &out->len))) rc = EC_NO_MEMORY;
    }
    PQclear(res);
    return rc;
}

static ec_status pg_idem_put(ecomd_tx *tx, const char *owner, const char *key,
                             const unsigned char hash[32], unsigned status, const char *body,
                             size_t len, int64_t at_us)
{
    char b1[PG_INT_BUF], b2[PG_INT_BUF];
    const char *vals[6] = {
        owner, key, (const char *)hash, pg_int(b1, status), body ? body : "", pg_int(b2, at_us)};
    const int lens[6] = {0, 0, 32, 0, (int)len, 0};
    const int fmts[6] = {0, 0, 1, 0, 1, 0};
    PGresult *res = pg_run(tx->conn,
                           "INSERT INTO idempotency(owner, key, hash, status, body, created_at)"
                           " VALUES ($1, $2, $3::bytea, $4::integer, $5::bytea, $6::bigint)",
                           6, vals, lens, fmts, 0, NULL);
    PQclear(res);
    return res ? EC_OK : EC_UNAVAILABLE;
}

/* ---- inventory ------------------------------------------------------------------------- */

static ec_status pg_stock_load(ecomd_tx *tx, const ecomd_skus *skus, const char *id, int64_t now,
                               ecomd_stock *stock)
{
    return pg_stock_load_conn(tx->conn, skus, id, now, 1, stock);
}

static ec_status pg_stock_save(ecomd_tx *tx, const ecomd_stock *stock)
{
    return pg_stock_save_conn(tx->conn, stock);
}

/* One REPEATABLE READ snapshot, no locks. */
static ec_status pg_stock_read(ecomd_store *base, const ecomd_skus *skus, const char *id,
                               int64_t now, ecomd_stock *stock)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = pg_acquire(s);
    const char *begin = s->begin_read;
    ec_status rc = pg_do(c, begin, 0, NULL);
    if (rc != EC_OK && pg_retry(s, c)) rc = pg_do(c, begin, 0, NULL);
    if (rc == EC_OK) {
        rc = pg_stock_load_conn(c, skus, id, now, 0, stock);
        if (pg_do(c, rc == EC_OK ? "COMMIT" : "ROLLBACK", 0, NULL) != EC_OK && rc == EC_OK) {
            ecomd_stock_done(stock);
            rc = EC_UNAVAILABLE;
        }
    }
    pg_release(s, c);
    return rc;
}

/* ---- carts ------------------------------------------------------------------------------ */

static ec_status pg_cart_get(ecomd_store *base, ecomd_tx *tx, const char *id, int64_t *version,
                             char **doc)
{
    pg_store *s = (pg_store *)base;
    const char *vals[1] = {id};
    *doc = NULL;
    PGresult *res = NULL;
    if (tx) { /* a writer of this cart waits for the one before it */
        res = pg_run(tx->conn, "SELECT version, doc FROM carts WHERE id = $1 FOR UPDATE", 1, vals,
                     NULL, NULL, 0, NULL);
    } else {
        pg_conn *c = pg_acquire(s);
        res = pg_read(s, c, "SELECT version, doc FROM carts WHERE id = $1", 1, vals, 0);
        pg_release(s, c);
    }
    ec_status rc = !res ? EC_UNAVAILABLE : PQntuples(res) == 0 ? EC_NOT_FOUND : EC_OK;
    if (rc == EC_OK) {
        *version = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        if (!(*doc = pg_dup(res, 0, 1, NULL))) rc = EC_NO_MEMORY;
    }
    PQclear(res);
    return rc;
}

static ec_status pg_cart_put(ecomd_tx *tx, const char *id, int64_t version, const char *doc,
                             int64_t at_us)
{
    char b1[PG_INT_BUF], b2[PG_INT_BUF];
    const char *vals[4] = {id, pg_int(b1, version), doc, pg_int(b2, at_us)};
    char state[6];
    PGresult *res =
        pg_run(tx->conn,
               version == 1 ? "INSERT INTO carts(id, version, doc, created_at, updated_at)"
                              " VALUES ($1, $2::bigint, $3, $4::bigint, $4::bigint)"
                            : "UPDATE carts SET version = $2::bigint, doc = $3,"
                              " updated_at = $4::bigint WHERE id = $1 AND version = $2::bigint - 1",
               4, vals, NULL, NULL, 0, state);
    if (!res) return strcmp(state, "23505") == 0 ? EC_VERSION_CONFLICT : EC_UNAVAILABLE;
    ec_status rc = strcmp(PQcmdTuples(res), "1") == 0 ? EC_OK : EC_VERSION_CONFLICT;
    PQclear(res);
    return rc;
}

/* ---- open and close ---------------------------------------------------------------------- */

static void pg_close(ecomd_store *base)
{
    pg_store *s = (pg_store *)base;
    if (!s) return;
    for (unsigned i = 0; s->conns && i < s->nconns; i++) {
        if (s->conns[i].db) PQfinish(s->conns[i].db);
        pg_stmts_clear(&s->conns[i].stmts);
    }
    free(s->conns);
    free(s->conninfo);
    if (s->pool_ready) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
    }
    free(s);
}

static const ecomd_store_ops pg_ops = {
    .name = "postgresql",
    .ping = pg_ping,
    .close = pg_close,
    .rules_current = pg_rules_current,
    .events_list = ecomd_events_page,
    .tx_begin = pg_tx_begin,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .write_probe = pg_write_probe,
    .rules_insert = pg_rules_insert,
    .event_add = pg_event_add,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .stock_load = pg_stock_load,
    .stock_save = pg_stock_save,
    .stock_read = pg_stock_read,
    .cart_get = pg_cart_get,
    .cart_put = pg_cart_put,
    .order_get = pg_order_get,
    .order_put = pg_order_put,
    .orders_due = pg_orders_due,
    .order_of_cart = pg_order_of_cart,
    .promotion_counts = pg_promotion_counts,
    .promotion_spend = pg_promotion_spend,
    .promotion_give_back = pg_promotion_give_back,
    .promotion_lock = pg_promotion_lock,
    .reservations_expire = pg_reservations_expire,
    .prune = pg_prune,
    .events_each = pg_events_each,
    .relay_claim = pg_relay_claim,
    .relay_advance = pg_relay_advance,
    .list = pg_list,
    .outbox_ends = pg_outbox_ends,
    .sql = pg_regions_sql_run,
};

/* Connections are opened here, once: a database that does not answer at
 * start is an error (the orchestrator restarts the instance).  Every
 * transaction sets its statement_timeout in its BEGIN's round trip (SET
 * LOCAL, so that a transaction-mode pooler in between sees no session
 * state). */
ecomd_store *ecomd_store_pg_open(const char *conninfo, const ecomd_pg_options *opt)
{
    pg_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.ops = &pg_ops;
    s->timeout_ms = opt->timeout_ms;
    s->wait_ms = opt->wait_ms;
    s->prepare = opt->prepare;
    s->log = opt->log;
    snprintf(s->begin_write, sizeof s->begin_write,
             "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL statement_timeout = %u",
             s->timeout_ms);
    snprintf(s->begin_read, sizeof s->begin_read,
             "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = %u",
             s->timeout_ms);
    s->pool_ready = pg_pool_init(s);
    s->conninfo = strdup(conninfo);
    s->nconns = opt->connections ? opt->connections : 1;
    s->conns = calloc(s->nconns, sizeof *s->conns);
    if (!s->pool_ready || !s->conninfo || !s->conns) {
        pg_close(&s->base);
        return NULL;
    }
    for (unsigned i = 0; i < s->nconns; i++) {
        if (!pg_connect(s, &s->conns[i]) || (i == 0 && pg_migrate(&s->conns[0]) != EC_OK)) {
            fprintf(stderr, "ecomd: cannot open the PostgreSQL store (see the log line above)\n");
            pg_close(&s->base);
            return NULL;
        }
    }
    return &s->base;
}
