/* list_query.c - a list request's query parameters, checked one by one
 * (see list_query.h).  The names a state, payment status or reservation
 * status may take come from the library: the default order machine's
 * states, ec_order_payment_status_name, ec_reservation_status_name. */
#include "list_query.h"

#include <stdio.h>
#include <string.h>

#include "ecommerce.h"

enum { P_LIMIT, P_ID, P_STATE, P_PAYMENT, P_STATUS, P_TIME };

#define ORDERS (1 << ECOMD_LIST_ORDERS)
#define RESERVATIONS (1 << ECOMD_LIST_RESERVATIONS)
#define CARTS (1 << ECOMD_LIST_CARTS)
#define ALL (ORDERS | RESERVATIONS | CARTS)

static const struct param {
    const char *name;
    int kinds; /* the lists that take it */
    int type;
    size_t offset; /* in ecomd_list_query */
} params[] = {
    {"limit", ALL, P_LIMIT, offsetof(ecomd_list_query, limit)},
    {"starting_after", ALL, P_ID, offsetof(ecomd_list_query, starting_after)},
    {"state", ORDERS, P_STATE, offsetof(ecomd_list_query, state)},
    {"payment_status", ORDERS, P_PAYMENT, offsetof(ecomd_list_query, payment_status)},
    {"created_after", ORDERS, P_TIME, offsetof(ecomd_list_query, created_after)},
    {"created_before", ORDERS, P_TIME, offsetof(ecomd_list_query, created_before)},
    {"sku", ORDERS | RESERVATIONS, P_ID, offsetof(ecomd_list_query, sku)},
    {"status", RESERVATIONS, P_STATUS, offsetof(ecomd_list_query, status)},
    {"updated_after", CARTS, P_TIME, offsetof(ecomd_list_query, updated_after)},
};
#define NPARAMS (sizeof params / sizeof params[0])

static int limit_value(const char *v, int *out)
{
    size_t n = strlen(v);
    if (n == 0 || n > 3 || strspn(v, "0123456789") != n) return 0;
    int x = 0;
    for (size_t i = 0; i < n; i++) x = x * 10 + (v[i] - '0');
    *out = x;
    return x >= 1 && x <= ECOMD_LIST_LIMIT_MAX;
}

/* Whether v is one of the names a library function numbers from 0 until
 * it returns NULL; `names` receives them, comma-separated. */
static int named(const char *v, const char *(*name)(int32_t), char *names, size_t size)
{
    size_t used = 0;
    names[0] = '\0';
    for (int32_t i = 0; name(i); i++) {
        if (strcmp(v, name(i)) == 0) return 1;
        int w = snprintf(names + used, size - used, "%s%s", used ? ", " : "", name(i));
        if (w > 0 && (size_t)w < size - used) used += (size_t)w;
    }
    return 0;
}

/* The default order machine's state names, numbered as `named` wants. */
static const char *state_name(int32_t i)
{
    const ec_order_machine *m = ec_order_machine_default();
    return i >= 0 && (size_t)i < ec_order_machine_state_count(m)
               ? ec_order_machine_state_name(m, (size_t)i)
               : NULL;
}

/* Check one value; 0 with msg filled when it is bad. */
static int read_value(const struct param *p, const char *v, ecomd_list_query *q, char *msg,
                      size_t size)
{
    char *at = (char *)q + p->offset, names[256];
    switch (p->type) {
    case P_LIMIT:
        if (limit_value(v, (int *)(void *)at)) return 1;
        snprintf(msg, size, "limit is a whole number from 1 to %d", ECOMD_LIST_LIMIT_MAX);
        return 0;
    case P_ID:
        if (*v && strlen(v) <= ECOMD_LIST_ID_MAX && ec_text_valid(v, strlen(v))) break;
        snprintf(msg, size, "%s is 1 to %d bytes of text", p->name, ECOMD_LIST_ID_MAX);
        return 0;
    case P_TIME:
        if (*v && ec_time_parse(v, strlen(v), (int64_t *)(void *)at, NULL) == EC_OK) return 1;
        snprintf(msg, size,
                 "%s is an RFC 3339 time (2026-11-25T10:00:00Z; a '+' offset is sent as %%2B)",
                 p->name);
        return 0;
    default: {
        const char *(*name)(int32_t) = p->type == P_STATE     ? state_name
                                       : p->type == P_PAYMENT ? ec_order_payment_status_name
                                                              : ec_reservation_status_name;
        if (named(v, name, names, sizeof names)) break;
        snprintf(msg, size, "%s is one of %s", p->name, names);
        return 0;
    }
    }
    memcpy(at, &v, sizeof v);
    return 1;
}

int ecomd_list_query_read(int kind, const ecomd_query_arg *args, size_t n, ecomd_list_query *q,
                          const char **field, char *msg, size_t size)
{
    int64_t now = q->now_us;
    memset(q, 0, sizeof *q);
    q->kind = kind;
    q->now_us = now;
    q->limit = ECOMD_LIST_LIMIT_DEFAULT;
    q->created_after = q->created_before = q->updated_after = ECOMD_TIME_UNSET;
    for (size_t i = 0; i < n; i++) {
        const struct param *p = NULL;
        for (size_t k = 0; k < NPARAMS && !p; k++)
            if (strcmp(args[i].name, params[k].name) == 0 && (params[k].kinds & (1 << kind)))
                p = &params[k];
        *field = p ? p->name : args[i].name;
        if (!p) {
            /* the name goes into the error document: only if it is text */
            size_t len = strlen(args[i].name);
            if (len > ECOMD_LIST_ID_MAX || !ec_text_valid(args[i].name, len)) *field = "";
            snprintf(msg, size, "unknown parameter%s", **field ? "" : " (its name is not text)");
            return 0;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(args[j].name, args[i].name) == 0) {
                snprintf(msg, size, "%s is given twice", p->name);
                return 0;
            }
        if (!read_value(p, args[i].value ? args[i].value : "", q, msg, size)) return 0;
    }
    return 1;
}
