/* store_sqlite_relay.c - what the outbox relay (relay.c) keeps in the
 * SQLite store: it reads the outbox in id order, and keeps its position
 * and its lease in one row each (migration 9).  Every instance of the
 * relay runs on this host, so this host's clock is the lease's clock; the
 * write lock of the transaction makes each claim and each advance atomic. */
#include "ecomd.h"
#include "store_sqlite.h"

ec_status sq_events_each(ecomd_store *base, int64_t after, int limit, ecomd_event_fn fn, void *ctx)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_EVENTS_LIST);
    ec_status rc = st ? EC_OK : EC_UNAVAILABLE;
    if (st) {
        sqlite3_bind_int64(st, 1, after);
        sqlite3_bind_int(st, 2, limit);
        int step;
        while (rc == EC_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
            rc = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                    (const char *)sqlite3_column_text(st, 2),
                    (const char *)sqlite3_column_text(st, 3));
        if (rc == EC_OK && step != SQLITE_DONE) rc = EC_UNAVAILABLE;
        sqlite3_reset(st);
    }
    sq_release(s, c);
    return rc;
}

/* Statement `id` with the relay's name, holder, now and lease length bound;
 * NULL when it cannot be prepared. */
static sqlite3_stmt *relay_stmt(ecomd_tx *tx, int id, const char *name, const char *holder,
                                int64_t now, unsigned ttl_ms)
{
    sqlite3_stmt *st = sq_stmt(tx->conn, id);
    if (!st) return NULL;
    /* Each statement numbers its parameters ?1 to ?4 and uses the first
     * few (SQ_RELAY_SEEN skips ?2: binding it is harmless). */
    int n = sqlite3_bind_parameter_count(st);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (n >= 2) sqlite3_bind_text(st, 2, holder, -1, SQLITE_STATIC);
    if (n >= 3) sqlite3_bind_int64(st, 3, now);
    if (n >= 4) sqlite3_bind_int64(st, 4, (int64_t)ttl_ms * 1000);
    return st;
}

ec_status sq_relay_claim(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                         int *held, int64_t *position)
{
    int64_t now = ecomd_now_us();
    *held = 0;
    *position = 0;
    sqlite3_stmt *st =
        relay_stmt(tx, ttl_ms ? SQ_RELAY_TAKE : SQ_RELAY_DROP, name, holder, now, ttl_ms);
    ec_status rc = st ? sq_step_done(tx->conn, st) : EC_UNAVAILABLE;
    if (rc == EC_OK) {
        st = relay_stmt(tx, SQ_RELAY_SEEN, name, holder, now, ttl_ms);
        rc = st ? sq_step_done(tx->conn, st) : EC_UNAVAILABLE;
    }
    if (rc != EC_OK) return rc;
    if (!(st = relay_stmt(tx, SQ_RELAY_STATE, name, holder, now, ttl_ms))) return EC_UNAVAILABLE;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *position = sqlite3_column_int64(st, 0);
        *held = sqlite3_column_int(st, 1);
    } else {
        rc = EC_UNAVAILABLE;
    }
    sqlite3_reset(st);
    return rc;
}

ec_status sq_relay_advance(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                           int64_t from, int64_t to)
{
    sqlite3_stmt *st = relay_stmt(tx, SQ_RELAY_RENEW, name, holder, ecomd_now_us(), ttl_ms);
    ec_status rc = st ? sq_step_done(tx->conn, st) : EC_UNAVAILABLE;
    if (rc != EC_OK) return rc;
    if (sqlite3_changes(tx->conn->db) != 1) return EC_VERSION_CONFLICT; /* the lease is gone */
    if (!(st = sq_stmt(tx->conn, SQ_RELAY_ADVANCE))) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    if ((rc = sq_step_done(tx->conn, st)) != EC_OK) return rc;
    return sqlite3_changes(tx->conn->db) == 1 ? EC_OK : EC_VERSION_CONFLICT;
}
