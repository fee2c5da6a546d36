/* store.c - the one way to open a store, and the one way to run a
 * transaction that is not a client's write (seeding, the sweeper). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

ecomd_store *ecomd_store_open(const char *spec, const ecomd_pg_options *opt)
{
    if (strncmp(spec, "sqlite:", 7) == 0)
        return ecomd_store_sqlite_open(spec + 7, opt->connections);
    /* postgresql:// (or postgres://) URIs and "pg:" + a key=value libpq
     * string go to the PostgreSQL store */
    if (strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0)
        return ecomd_store_pg_open(spec, opt);
    if (strncmp(spec, "pg:", 3) == 0) return ecomd_store_pg_open(spec + 3, opt);
    fprintf(stderr,
            "ecomd: unsupported store '%s' (sqlite:PATH, postgresql://... or pg:KEY=VALUE...)\n",
            spec);
    return NULL;
}

ec_status ecomd_in_tx(ecomd_store *s, ecomd_tx_fn fn, void *ctx)
{
    ecomd_tx *tx = NULL;
    ec_status st = s->ops->tx_begin(s, &tx);
    if (st != EC_OK) return st;
    st = fn(tx, ctx);
    if (st != EC_OK) {
        s->ops->tx_rollback(tx);
        return st;
    }
    return s->ops->tx_commit(tx);
}

/* ---- rows of a list, and the outbox's ends ------------------------------------------- */

ec_status ecomd_rows_add(ecomd_rows *rows, const char *id, int64_t version, const char *doc,
                         size_t len)
{
    ecomd_row *v = ecomd_grow(rows->v, &rows->cap, rows->n + 1, sizeof *v);
    if (!v) return EC_NO_MEMORY;
    rows->v = v;
    ecomd_row *r = &rows->v[rows->n];
    r->id = strdup(id ? id : "");
    r->version = version;
    r->doc = doc ? malloc(len + 1) : NULL;
    if (r->doc) {
        memcpy(r->doc, doc, len);
        r->doc[len] = '\0';
    }
    if (!r->id || (doc && !r->doc)) {
        free(r->id);
        free(r->doc);
        return EC_NO_MEMORY;
    }
    rows->n++;
    return EC_OK;
}

void ecomd_rows_free(ecomd_rows *rows)
{
    for (size_t i = 0; i < rows->n; i++) {
        free(rows->v[i].id);
        free(rows->v[i].doc);
    }
    free(rows->v);
    memset(rows, 0, sizeof *rows);
}

ec_status ecomd_outbox_ends_set(ecomd_outbox_ends *out, int64_t first_id, const char *first_at,
                                int64_t last_id, const char *last_at)
{
    out->first_id = first_id;
    out->last_id = last_id;
    /* the outbox's times are what ecomd_format_time wrote: always RFC 3339 */
    if (ec_time_parse(first_at, strlen(first_at), &out->first_at_us, NULL) != EC_OK ||
        ec_time_parse(last_at, strlen(last_at), &out->last_at_us, NULL) != EC_OK)
        return EC_INTERNAL;
    return EC_OK;
}
