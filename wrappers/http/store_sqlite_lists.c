/* store_sqlite_lists.c - the SQLite adapter's list pages and the outbox's
 * ends.
 *
 * A page is one statement (list_sql.c builds it, the cursor's place
 * included), so it reads one snapshot; only an empty page after a cursor
 * asks whether the cursor names a row.  Each connection keeps one
 * prepared statement per shape of page (which filters, whether a cursor),
 * so that no page parses SQL. */
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "store_sqlite.h"

void sq_lists_close(sq_conn *c)
{
    for (int i = 0; i < ECOMD_LIST_SHAPES; i++) sqlite3_finalize(c->lists[i]);
    for (int i = 0; i < 3; i++) sqlite3_finalize(c->cursors[i]);
}

/* A cached statement, prepared on first use. */
static sqlite3_stmt *cached(sq_conn *c, sqlite3_stmt **slot, const char *sql)
{
    if (!*slot &&
        sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
        ecomd_log(NULL, "error", "cannot prepare a statement", NULL);
        return NULL;
    }
    sqlite3_reset(*slot);
    sqlite3_clear_bindings(*slot);
    return *slot;
}

/* Whether the cursor names a row: EC_OK, or EC_NOT_FOUND. */
static ec_status cursor_exists(sq_conn *c, const ecomd_list_query *q)
{
    sqlite3_stmt *st = cached(c, &c->cursors[q->kind], ecomd_list_cursor_sql(q->kind, 0));
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, q->starting_after, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? EC_OK : rc == SQLITE_DONE ? EC_NOT_FOUND : EC_UNAVAILABLE;
}

static ec_status page(sq_conn *c, const ecomd_list_query *q, ecomd_rows *rows)
{
    ecomd_list_sql sql;
    ecomd_list_sql_build(q, 0, &sql);
    sqlite3_stmt *st = cached(c, &c->lists[sql.shape], sql.text);
    if (!st) return EC_UNAVAILABLE;
    for (int i = 0; i < sql.nparams; i++) {
        const ecomd_sql_param *p = &sql.params[i];
        if (p->type == ECOMD_SQL_INT)
            sqlite3_bind_int64(st, i + 1, p->value);
        else
            sqlite3_bind_text(st, i + 1, p->text, -1, SQLITE_STATIC);
    }
    int whole = q->kind != ECOMD_LIST_RESERVATIONS, step;
    ec_status rc = EC_OK;
    while (rc == EC_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = ecomd_rows_add(rows, (const char *)sqlite3_column_text(st, 0),
                            whole ? sqlite3_column_int64(st, 1) : 0,
                            whole ? (const char *)sqlite3_column_blob(st, 2) : NULL,
                            whole ? (size_t)sqlite3_column_bytes(st, 2) : 0);
    if (rc == EC_OK && step != SQLITE_DONE) rc = EC_UNAVAILABLE;
    sqlite3_reset(st);
    return rc;
}

ec_status sq_list(ecomd_store *base, const ecomd_list_query *q, ecomd_rows *rows)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = sq_acquire(s);
    ec_status rc = page(c, q, rows);
    if (rc == EC_OK && rows->n == 0 && q->starting_after) rc = cursor_exists(c, q);
    sq_release(s, c);
    return rc;
}

ec_status sq_outbox_ends(ecomd_store *base, ecomd_outbox_ends *out)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_OUTBOX_ENDS);
    memset(out, 0, sizeof *out);
    int step = st ? sqlite3_step(st) : SQLITE_ERROR;
    ec_status rc = step == SQLITE_ROW || step == SQLITE_DONE ? EC_OK : EC_UNAVAILABLE;
    if (step == SQLITE_ROW) {
        const char *first = (const char *)sqlite3_column_text(st, 1);
        const char *last = (const char *)sqlite3_column_text(st, 3);
        rc = first && last ? ecomd_outbox_ends_set(out, sqlite3_column_int64(st, 0), first,
                                                   sqlite3_column_int64(st, 2), last)
                           : EC_INTERNAL;
    }
    if (st) sqlite3_reset(st);
    sq_release(s, c);
    return rc;
}
