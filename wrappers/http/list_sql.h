/* list_sql.h - the SQL of a list page (store.h, ecomd_list_query), the
 * same for both adapters but for the placeholders: SQLite's ?N and
 * PostgreSQL's $N.  Private to the adapters.
 *
 * A page is keyset-paginated: rows come newest first by (created_at, id),
 * and a page after a cursor takes the rows below the cursor's own
 * (created_at, id), read in the same statement.  That pair is unique and never changes, so pages
 * neither repeat nor skip a row whatever is inserted meanwhile; ids alone
 * would not do (a reservation's id may be the client's, and ecomd's own
 * ids order by the millisecond only, then by random bits). */
#ifndef ECOMD_LIST_SQL_H
#define ECOMD_LIST_SQL_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Every combination of filters and cursor of every kind has a number
 * below this, so that an adapter can keep one prepared statement each. */
#define ECOMD_LIST_SHAPES 96

enum { ECOMD_SQL_TEXT, ECOMD_SQL_INT };

typedef struct ecomd_sql_param {
    int type;
    const char *text;
    int64_t value;
} ecomd_sql_param;

/* A statement and its parameters, in placeholder order. */
typedef struct ecomd_list_sql {
    char text[1024];
    ecomd_sql_param params[10];
    int nparams;
    int shape; /* 0 .. ECOMD_LIST_SHAPES - 1 */
} ecomd_list_sql;

/* The page's statement; dollar: 1 for PostgreSQL's placeholders.
 * Columns: id, version, doc (orders and carts), or id alone
 * (reservations).  A cursor that names nothing gives no rows. */
void ecomd_list_sql_build(const ecomd_list_query *q, int dollar, ecomd_list_sql *out);

/* Whether the cursor names a row (one parameter: the id), asked only when
 * a page after it is empty. */
const char *ecomd_list_cursor_sql(int kind, int dollar);

/* The distinct SKUs of an order's lines as a JSON array (malloc'd), for
 * the order_skus rows a new order adds; NULL when out of memory. */
char *ecomd_order_skus_json(const ec_order *order);

#endif /* ECOMD_LIST_SQL_H */
