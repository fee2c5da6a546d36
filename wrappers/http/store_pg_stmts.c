/* store_pg_stmts.c - the statements a PostgreSQL connection has prepared.
 *
 * Parsing and planning every statement anew took about half of the
 * server's time in a checkout (some twenty statements; perf: the raw
 * parser, the analyzer, the planner), so a connection prepares a statement
 * the first time it runs that text and executes it by name after that:
 * checkouts per second nearly doubled (bench/http.sh, pg-checkout).  The
 * texts are few (the adapter's constants and the lists' few filter
 * combinations); past PG_STMTS_MAX a text runs unprepared.
 *
 * Prepared statements are session state: a connection that is re-opened
 * starts with none (pg_stmts_clear), and `--store-prepare off` turns them
 * off for a pooler in transaction mode that does not carry them (PgBouncer
 * before 1.21). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

#define PG_STMTS_MAX 256u /* texts per connection; the table has twice the slots */

static uint64_t text_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h | 1; /* 0 marks an empty slot */
}

static pg_stmt *slot_of(pg_stmts *t, const char *sql, uint64_t h)
{
    size_t mask = 2 * PG_STMTS_MAX - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        pg_stmt *e = &t->slots[i];
        if (!e->hash || (e->hash == h && strcmp(e->sql, sql) == 0)) return e;
    }
}

int pg_stmts_lookup(pg_stmts *t, const char *sql, char name[PG_STMT_NAME])
{
    if (!t->slots && !(t->slots = calloc(2 * PG_STMTS_MAX, sizeof *t->slots))) return -1;
    uint64_t h = text_hash(sql);
    pg_stmt *e = slot_of(t, sql, h);
    if (e->hash) {
        snprintf(name, PG_STMT_NAME, "ecomd_%u", e->name);
        return 1;
    }
    if (t->n >= PG_STMTS_MAX) return -1;
    snprintf(name, PG_STMT_NAME, "ecomd_%u", t->n + 1);
    return 0;
}

void pg_stmts_add(pg_stmts *t, const char *sql)
{
    uint64_t h = text_hash(sql);
    pg_stmt *e = slot_of(t, sql, h);
    if (e->hash || t->n >= PG_STMTS_MAX || !(e->sql = strdup(sql))) return;
    e->hash = h;
    e->name = ++t->n;
}

void pg_stmts_clear(pg_stmts *t)
{
    if (t->slots)
        for (size_t i = 0; i < 2 * PG_STMTS_MAX; i++) free(t->slots[i].sql);
    free(t->slots);
    t->slots = NULL;
    t->n = 0;
}
