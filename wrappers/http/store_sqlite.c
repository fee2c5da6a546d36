/* store_sqlite.c - the SQLite adapter of store.h: the embedded default.
 *
 * One database file in WAL mode, so readers never wait for the writer.  A
 * small pool of connections (one per server thread plus spares) each keeps
 * its prepared statements, so no SQL is parsed twice.  Writes take BEGIN
 * IMMEDIATE: the write lock is taken at the start, so two writers never
 * deadlock upgrading a read lock, and busy_timeout makes a writer of
 * another process wait its turn instead of failing.  synchronous=FULL: a
 * commit is on disk before the 2xx that acknowledges it; requests share
 * commits (store_sqlite_commit.c). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecomd.h"
#include "store_sqlite.h"
#include "store_sqlite_sql.h"

/* Database errors go to the JSON log like everything else. */
static void sq_log(const char *msg, const char *detail)
{
    char extra[600], quoted[560];
    if (!ecomd_json_quote(quoted, sizeof quoted, detail ? detail : "")) strcpy(quoted, "\"\"");
    snprintf(extra, sizeof extra, "\"store\":\"sqlite\",\"detail\":%s", quoted);
    ecomd_log(NULL, "error", msg, extra);
}

/* ---- connections ----------------------------------------------------------------- */

static ec_status sq_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return EC_OK;
    sq_log("store error", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return EC_UNAVAILABLE;
}

static ec_status sq_open_conn(sq_conn *c, const char *path)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        fprintf(stderr, "ecomd: cannot open %s: %s\n", path,
                c->db ? sqlite3_errmsg(c->db) : "out of memory");
        return EC_UNAVAILABLE;
    }
    sqlite3_busy_timeout(c->db, 5000);
    return sq_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                          "PRAGMA foreign_keys=ON;");
}

sq_conn *sq_acquire(sq_store *s)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        for (unsigned i = 0; i < s->nconns; i++) {
            if (!s->conns[i].busy) {
                s->conns[i].busy = 1;
                pthread_mutex_unlock(&s->mu);
                return &s->conns[i];
            }
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
}

void sq_release(sq_store *s, sq_conn *c)
{
    pthread_mutex_lock(&s->mu);
    c->busy = 0;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

sqlite3_stmt *sq_stmt(sq_conn *c, int id)
{
    if (!c->stmts[id]) {
        if (sqlite3_prepare_v3(c->db, sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[id],
                               NULL) != SQLITE_OK) {
            sq_log("cannot prepare a statement", sqlite3_errmsg(c->db));
            return NULL;
        }
    }
    sqlite3_reset(c->stmts[id]);
    sqlite3_clear_bindings(c->stmts[id]);
    return c->stmts[id];
}

ec_status sq_step_done(sq_conn *c, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return EC_OK;
    sq_log("store error", sqlite3_errmsg(c->db));
    return EC_UNAVAILABLE;
}

char *sq_dup_column(sqlite3_stmt *st, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *copy = malloc(n + 1);
    if (!copy) return NULL;
    if (n) memcpy(copy, p, n);
    copy[n] = '\0';
    if (len) *len = n;
    return copy;
}

/* ---- migrations --------------------------------------------------------------------- */

/* Applies, under the write lock, every migration newer than schema_version:
 * instances starting together queue on the lock, and the later ones find
 * the work done. */
static ec_status sq_migrate(sqlite3 *db)
{
    if (sq_exec(db, "BEGIN IMMEDIATE") != EC_OK) return EC_UNAVAILABLE;
    ec_status st =
        sq_exec(db, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    sqlite3_stmt *q = NULL;
    int current = 0;
    if (st == EC_OK &&
        sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &q,
                           NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        current = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    for (int v = current + 1; st == EC_OK && v <= sq_migration_count; v++) {
        st = sq_exec(db, sq_migrations[v - 1]);
        char sql[80];
        snprintf(sql, sizeof sql, "INSERT INTO schema_version(version) VALUES (%d)", v);
        if (st == EC_OK) st = sq_exec(db, sql);
    }
    if (st == EC_OK) return sq_exec(db, "COMMIT");
    sq_exec(db, "ROLLBACK");
    return st;
}

/* ---- reads ------------------------------------------------------------------------------- */

static ec_status sq_ping(ecomd_store *base)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_PING);
    ec_status rc = st && sqlite3_step(st) == SQLITE_ROW ? EC_OK : EC_UNAVAILABLE;
    if (st) sqlite3_reset(st);
    sq_release(s, c);
    return rc;
}

/* Rewrites the database header's user_version (unused otherwise) with a
 * new value: SQLite skips rewriting a page whose bytes do not change. */
static ec_status sq_write_probe(ecomd_tx *tx)
{
    static atomic_uint probes;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %u",
             (atomic_fetch_add(&probes, 1) % 1000000u) + 1u);
    return sq_exec(tx->conn->db, sql);
}

static ec_status sq_rules_current(ecomd_store *base, int64_t *version, char **body, size_t *len)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, body ? SQ_RULES_CURRENT : SQ_RULES_VERSION);
    ec_status rc = EC_UNAVAILABLE;
    *version = 0;
    if (body) *body = NULL;
    if (st) {
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *version = sqlite3_column_int64(st, 0);
            rc = EC_OK;
            if (body && *version > 0 && !(*body = sq_dup_column(st, 1, len))) rc = EC_NO_MEMORY;
        } else if (step == SQLITE_DONE) {
            rc = EC_OK;
        }
        sqlite3_reset(st);
    }
    sq_release(s, c);
    return rc;
}

/* ---- writes ---------------------------------------------------------------------------------- */

static ec_status sq_rules_insert(ecomd_tx *tx, const char *body, size_t len, int64_t expected,
                                 int64_t at_us, int64_t *version)
{
    sqlite3_stmt *st = NULL;
    if (expected >= 0) {
        if (!(st = sq_stmt(tx->conn, SQ_RULES_VERSION)) || sqlite3_step(st) != SQLITE_ROW)
            return EC_UNAVAILABLE;
        int64_t current = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (current != expected) return EC_VERSION_CONFLICT;
    }
    if (!(st = sq_stmt(tx->conn, SQ_RULES_INSERT))) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, body, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, at_us);
    int rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? EC_OK : EC_UNAVAILABLE;
}

static ec_status sq_event_add(ecomd_tx *tx, const char *type, const char *data, int64_t at_us)
{
    sqlite3_stmt *st = sq_stmt(tx->conn, SQ_EVENT_ADD);
    if (!st) return EC_UNAVAILABLE;
    char at[48];
    ecomd_format_time(at_us, at, sizeof at);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, data, -1, SQLITE_STATIC);
    return sq_step_done(tx->conn, st);
}

static ec_status sq_idem_get(ecomd_tx *tx, const char *owner, const char *key, ecomd_idem *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = sq_stmt(tx->conn, SQ_IDEM_GET);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    ec_status result = rc == SQLITE_ROW || rc == SQLITE_DONE ? EC_OK : EC_UNAVAILABLE;
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        out->found = 1;
        memcpy(out->hash, sqlite3_column_blob(st, 0), 32);
        out->status = (unsigned)sqlite3_column_int(st, 1);
        if (!(out->body = sq_dup_column(st, 2, &out->len))) result = EC_NO_MEMORY;
    }
    sqlite3_reset(st);
    return result;
}

static ec_status sq_idem_put(ecomd_tx *tx, const char *owner, const char *key,
                             const unsigned char hash[32], unsigned status, const char *body,
                             size_t len, int64_t at_us)
{
    sqlite3_stmt *st = sq_stmt(tx->conn, SQ_IDEM_PUT);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)status);
    sqlite3_bind_blob(st, 5, body, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, at_us);
    return sq_step_done(tx->conn, st);
}

/* ---- inventory ------------------------------------------------------------------------------- */

static ec_status sq_stock_load(ecomd_tx *tx, const ecomd_skus *skus, const char *id, int64_t now,
                               ecomd_stock *stock)
{
    return sq_stock_load_conn(tx->conn, skus, id, now, stock);
}

static ec_status sq_stock_save(ecomd_tx *tx, const ecomd_stock *stock)
{
    return sq_stock_save_conn(tx->conn, stock);
}

/* A read transaction, so that the rows come from one snapshot. */
static ec_status sq_stock_read(ecomd_store *base, const ecomd_skus *skus, const char *id,
                               int64_t now, ecomd_stock *stock)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = sq_acquire(s);
    ec_status rc = sq_exec(c->db, "BEGIN");
    if (rc == EC_OK) {
        rc = sq_stock_load_conn(c, skus, id, now, stock);
        sq_exec(c->db, rc == EC_OK ? "COMMIT" : "ROLLBACK");
    }
    sq_release(s, c);
    return rc;
}

/* ---- carts -------------------------------------------------------------------------------------
 */

/* A versioned document (a cart or an order) by id: statement `stmt`
 * returns (version, doc); EC_NOT_FOUND when there is no row.  tx may be
 * NULL to read outside a transaction. */
ec_status sq_versioned_get(ecomd_store *base, ecomd_tx *tx, int stmt, const char *id,
                           int64_t *version, char **doc)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = tx ? tx->conn : sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, stmt);
    ec_status rc = EC_UNAVAILABLE;
    *doc = NULL;
    if (st) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            *version = sqlite3_column_int64(st, 0);
            rc = (*doc = sq_dup_column(st, 1, NULL)) ? EC_OK : EC_NO_MEMORY;
        } else if (step == SQLITE_DONE) {
            rc = EC_NOT_FOUND;
        }
        sqlite3_reset(st);
    }
    if (!tx) sq_release(s, c);
    return rc;
}

static ec_status sq_cart_get(ecomd_store *base, ecomd_tx *tx, const char *id, int64_t *version,
                             char **doc)
{
    return sq_versioned_get(base, tx, SQ_CART_GET, id, version, doc);
}

static ec_status sq_cart_put(ecomd_tx *tx, const char *id, int64_t version, const char *doc,
                             int64_t at_us)
{
    sqlite3_stmt *st = sq_stmt(tx->conn, version == 1 ? SQ_CART_INSERT : SQ_CART_UPDATE);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_text(st, 3, doc, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, at_us);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT) return EC_VERSION_CONFLICT;
    if (rc != SQLITE_DONE) return EC_UNAVAILABLE;
    return sqlite3_changes(tx->conn->db) == 1 ? EC_OK : EC_VERSION_CONFLICT;
}

/* ---- open and close -------------------------------------------------------------------------- */

static void sq_close(ecomd_store *base)
{
    sq_store *s = (sq_store *)base;
    if (!s) return;
    for (unsigned i = 0; i < s->nconns; i++) {
        for (int j = 0; j < SQ_STMT_COUNT; j++) sqlite3_finalize(s->conns[i].stmts[j]);
        sq_lists_close(&s->conns[i]);
        sqlite3_close(s->conns[i].db);
    }
    free(s->conns);
    pthread_mutex_destroy(&s->write_mu);
    pthread_cond_destroy(&s->batch_done);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

static const ecomd_store_ops sq_ops = {
    .name = "sqlite",
    .ping = sq_ping,
    .close = sq_close,
    .rules_current = sq_rules_current,
    .events_list = ecomd_events_page,
    .tx_begin = sq_tx_begin,
    .tx_commit = sq_tx_commit,
    .tx_rollback = sq_tx_rollback,
    .write_probe = sq_write_probe,
    .rules_insert = sq_rules_insert,
    .event_add = sq_event_add,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
    .stock_load = sq_stock_load,
    .stock_save = sq_stock_save,
    .stock_read = sq_stock_read,
    .cart_get = sq_cart_get,
    .cart_put = sq_cart_put,
    .order_get = sq_order_get,
    .order_put = sq_order_put,
    .orders_due = sq_orders_due,
    .order_of_cart = sq_order_of_cart,
    .promotion_counts = sq_promotion_counts,
    .promotion_spend = sq_promotion_spend,
    .promotion_give_back = sq_promotion_give_back,
    .promotion_lock = sq_promotion_lock,
    .reservations_expire = sq_reservations_expire,
    .prune = sq_prune,
    .events_each = sq_events_each,
    .relay_claim = sq_relay_claim,
    .relay_advance = sq_relay_advance,
    .list = sq_list,
    .outbox_ends = sq_outbox_ends,
    .sql = sq_regions_sql_run,
};

ecomd_store *ecomd_store_sqlite_open(const char *path, unsigned connections)
{
    sq_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base.ops = &sq_ops;
    pthread_mutex_init(&s->write_mu, NULL);
    pthread_cond_init(&s->batch_done, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->conns = calloc(connections, sizeof *s->conns);
    if (!s->conns) {
        sq_close(&s->base);
        return NULL;
    }
    for (unsigned i = 0; i < connections; i++, s->nconns++) {
        if (sq_open_conn(&s->conns[i], path) != EC_OK ||
            (i == 0 && sq_migrate(s->conns[0].db) != EC_OK)) {
            s->nconns++;
            sq_close(&s->base);
            return NULL;
        }
    }
    return &s->base;
}
