/* store_pg_relay.c - what the outbox relay (relay.c) keeps in the
 * PostgreSQL store: it reads the outbox in id order (ids become visible in
 * commit order, see pg_event_add), and keeps its position and its lease in
 * one row each (migration 9).  The lease runs on the database server's
 * clock, so instances on hosts whose clocks differ still agree on when it
 * expires.  A claim and an advance lock the lease row (INSERT ... ON
 * CONFLICT DO UPDATE, UPDATE) until their commit: a takeover waits for the
 * holder's advance to commit, and then finds its lease renewed. */
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "store_pg.h"

/* Microseconds since the epoch on the server's clock, at each use. */
#define PG_NOW_US "(extract(epoch from clock_timestamp()) * 1000000)::bigint"

ec_status pg_events_each(ecomd_store *base, int64_t after, int limit, ecomd_event_fn fn, void *ctx)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = pg_acquire(s);
    char b1[PG_INT_BUF], b2[PG_INT_BUF];
    const char *vals[2] = {pg_int(b1, after), pg_int(b2, limit)};
    PGresult *res = pg_read(s, c,
                            "SELECT id, type, at, data FROM outbox WHERE id > $1::bigint"
                            " ORDER BY id LIMIT $2::integer",
                            2, vals, 0);
    pg_release(s, c);
    ec_status rc = res ? EC_OK : EC_UNAVAILABLE;
    for (int i = 0; rc == EC_OK && i < PQntuples(res); i++)
        rc = fn(ctx, strtoll(PQgetvalue(res, i, 0), NULL, 10), PQgetvalue(res, i, 1),
                PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
    PQclear(res);
    return rc;
}

ec_status pg_relay_claim(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                         int *held, int64_t *position)
{
    char ttl[PG_INT_BUF];
    const char *vals[3] = {name, holder, pg_int(ttl, (int64_t)ttl_ms * 1000)};
    *held = 0;
    *position = 0;
    /* The lease row first, as in pg_relay_advance: two transactions that
     * lock both rows lock them in one order, and never deadlock. */
    ec_status rc =
        ttl_ms
            ? pg_do(tx->conn,
                    "INSERT INTO relay_leases(relay, holder, expires_at)"
                    " VALUES ($1, $2, " PG_NOW_US " + $3::bigint)"
                    " ON CONFLICT (relay) DO UPDATE SET holder = excluded.holder,"
                    " expires_at = excluded.expires_at WHERE relay_leases.holder = excluded.holder"
                    " OR relay_leases.expires_at <= " PG_NOW_US,
                    3, vals)
            : pg_do(tx->conn,
                    "UPDATE relay_leases SET expires_at = " PG_NOW_US
                    " WHERE relay = $1 AND holder = $2",
                    2, vals);
    if (rc == EC_OK)
        rc = pg_do(tx->conn,
                   "INSERT INTO relay_positions(relay, position, seen_at)"
                   " VALUES ($1, 0, " PG_NOW_US ")"
                   " ON CONFLICT (relay) DO UPDATE SET seen_at = excluded.seen_at",
                   1, vals);
    if (rc != EC_OK) return rc;
    PGresult *res = pg_run(tx->conn,
                           "SELECT p.position, coalesce(l.holder = $2 AND l.expires_at > " PG_NOW_US
                           ", false) FROM relay_positions p LEFT JOIN relay_leases l"
                           " ON l.relay = p.relay WHERE p.relay = $1",
                           2, vals, NULL, NULL, 0, NULL);
    if (!res || PQntuples(res) != 1) rc = EC_UNAVAILABLE;
    if (rc == EC_OK) {
        *position = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *held = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    }
    PQclear(res);
    return rc;
}

/* The number of rows a statement changed, -1 when it failed. */
static long changed(pg_conn *c, const char *sql, int n, const char *const *vals)
{
    PGresult *res = pg_run(c, sql, n, vals, NULL, NULL, 0, NULL);
    long rows = res ? strtol(PQcmdTuples(res), NULL, 10) : -1;
    PQclear(res);
    return rows;
}

ec_status pg_relay_advance(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                           int64_t from, int64_t to)
{
    char ttl[PG_INT_BUF], b1[PG_INT_BUF], b2[PG_INT_BUF];
    const char *lease[3] = {name, holder, pg_int(ttl, (int64_t)ttl_ms * 1000)};
    long rows = changed(tx->conn,
                        "UPDATE relay_leases SET expires_at = " PG_NOW_US " + $3::bigint"
                        " WHERE relay = $1 AND holder = $2 AND expires_at > " PG_NOW_US,
                        3, lease);
    if (rows != 1) return rows < 0 ? EC_UNAVAILABLE : EC_VERSION_CONFLICT;
    const char *move[3] = {name, pg_int(b1, from), pg_int(b2, to)};
    rows = changed(tx->conn,
                   "UPDATE relay_positions SET position = $3::bigint"
                   " WHERE relay = $1 AND position = $2::bigint",
                   3, move);
    return rows == 1 ? EC_OK : rows < 0 ? EC_UNAVAILABLE : EC_VERSION_CONFLICT;
}
