/* list_query.h - the query string of a list request (GET /v1/orders,
 * /v1/reservations, /v1/carts) read into an ecomd_list_query.  Pure: no
 * MHD, no store, so that a fuzz target drives it (fuzz/fuzz_list_query.c).
 *
 * Every parameter is checked, and the first bad one refuses the request
 * naming it: an unknown parameter, one given twice, an empty value, a
 * limit outside 1 to ECOMD_LIST_LIMIT_MAX, a time that is not RFC 3339, an
 * id or SKU that is not 1 to ECOMD_LIST_ID_MAX bytes of text, a state,
 * payment status or reservation status the library does not name. */
#ifndef ECOMD_LIST_QUERY_H
#define ECOMD_LIST_QUERY_H

#include <stddef.h>

#include "store.h"

#define ECOMD_LIST_LIMIT_DEFAULT 20
#define ECOMD_LIST_LIMIT_MAX 100
/* Longest id or SKU a filter or cursor takes (a path parameter's). */
#define ECOMD_LIST_ID_MAX 127

/* One query argument as the server received it, percent-decoded; value
 * NULL when the argument had no '='. */
typedef struct ecomd_query_arg {
    const char *name, *value;
} ecomd_query_arg;

/* Read args into q (pointers into args' strings; q->now_us is left
 * alone).  Returns 1, or 0 with *field naming the parameter at fault and
 * msg (size bytes) saying why. */
int ecomd_list_query_read(int kind, const ecomd_query_arg *args, size_t n, ecomd_list_query *q,
                          const char **field, char *msg, size_t size);

#endif /* ECOMD_LIST_QUERY_H */
