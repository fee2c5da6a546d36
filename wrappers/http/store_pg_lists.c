/* store_pg_lists.c - the PostgreSQL adapter's list pages and the outbox's
 * ends.
 *
 * A page is one read outside any transaction (list_sql.c builds the
 * statement, the cursor's place included), retried once on a lost
 * connection like every read; only an empty page after a cursor asks
 * whether the cursor names a row. */
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "list_sql.h"
#include "store_pg.h"

/* Whether the cursor names a row: EC_OK, or EC_NOT_FOUND. */
static ec_status cursor_exists(pg_store *s, pg_conn *c, const ecomd_list_query *q)
{
    const char *vals[1] = {q->starting_after};
    PGresult *res = pg_read(s, c, ecomd_list_cursor_sql(q->kind, 1), 1, vals, 0);
    ec_status rc = !res ? EC_UNAVAILABLE : PQntuples(res) == 0 ? EC_NOT_FOUND : EC_OK;
    PQclear(res);
    return rc;
}

static ec_status page(pg_store *s, pg_conn *c, const ecomd_list_query *q, ecomd_rows *rows)
{
    ecomd_list_sql sql;
    ecomd_list_sql_build(q, 1, &sql);
    char ints[10][PG_INT_BUF];
    const char *vals[10];
    for (int i = 0; i < sql.nparams; i++)
        vals[i] = sql.params[i].type == ECOMD_SQL_INT ? pg_int(ints[i], sql.params[i].value)
                                                      : sql.params[i].text;
    PGresult *res = pg_read(s, c, sql.text, sql.nparams, vals, 0);
    if (!res) return EC_UNAVAILABLE;
    int whole = q->kind != ECOMD_LIST_RESERVATIONS;
    ec_status rc = EC_OK;
    for (int i = 0; rc == EC_OK && i < PQntuples(res); i++)
        rc = ecomd_rows_add(
            rows, PQgetvalue(res, i, 0), whole ? strtoll(PQgetvalue(res, i, 1), NULL, 10) : 0,
            whole ? PQgetvalue(res, i, 2) : NULL, whole ? (size_t)PQgetlength(res, i, 2) : 0);
    PQclear(res);
    return rc;
}

ec_status pg_list(ecomd_store *base, const ecomd_list_query *q, ecomd_rows *rows)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = pg_acquire(s);
    ec_status rc = page(s, c, q, rows);
    if (rc == EC_OK && rows->n == 0 && q->starting_after) rc = cursor_exists(s, c, q);
    pg_release(s, c);
    return rc;
}

ec_status pg_outbox_ends(ecomd_store *base, ecomd_outbox_ends *out)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = pg_acquire(s);
    PGresult *res = pg_read(s, c,
                            "SELECT f.id, f.at, l.id, l.at FROM"
                            " (SELECT id, at FROM outbox ORDER BY id LIMIT 1) AS f,"
                            " (SELECT id, at FROM outbox ORDER BY id DESC LIMIT 1) AS l",
                            0, NULL, 0);
    pg_release(s, c);
    memset(out, 0, sizeof *out);
    ec_status rc = res ? EC_OK : EC_UNAVAILABLE;
    if (res && PQntuples(res) == 1)
        rc = ecomd_outbox_ends_set(out, strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                                   PQgetvalue(res, 0, 1), strtoll(PQgetvalue(res, 0, 2), NULL, 10),
                                   PQgetvalue(res, 0, 3));
    PQclear(res);
    return rc;
}
