/* store.c - the one way to open a store, and the one way to run a
 * transaction that is not a client's write (seeding, the sweeper). */
#include <stdio.h>
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
