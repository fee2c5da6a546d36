/* fuzz_list_query.c - libFuzzer target for the query parameters of ecomd's
 * lists (wrappers/http/list_query.c): GET /v1/orders, /v1/reservations and
 * /v1/carts.
 *
 * The first byte picks the list; the rest is a query string, split at '&'
 * and the first '=' of each argument as the server splits it (the bytes
 * are taken as already decoded).  Beyond "no crash, no sanitizer report"
 * it traps when:
 * - an accepted query holds a limit outside 1 to 100, a filter of another
 *   list, an id or SKU that is not 1 to 127 bytes of text, or a state,
 *   payment status or reservation status the library does not name;
 * - a refused query names no parameter, or names one that is not text or
 *   not one of the arguments, or gives no reason;
 * - reading the same arguments twice gives another answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../wrappers/http/list_query.h"
#include "ecommerce.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int text(const char *s)
{
    return s && *s && strlen(s) <= ECOMD_LIST_ID_MAX && ec_text_valid(s, strlen(s));
}

/* Whether v is one of the names a library table gives: the default
 * machine's states (table 0), payment statuses (1), reservation statuses
 * (2).  Each table ends where its name function gives NULL. */
static int listed(const char *v, int table)
{
    const ec_order_machine *m = ec_order_machine_default();
    for (int32_t i = 0;; i++) {
        const char *name = table == 1   ? ec_order_payment_status_name(i)
                           : table == 2 ? ec_reservation_status_name(i)
                           : (size_t)i < ec_order_machine_state_count(m)
                               ? ec_order_machine_state_name(m, (size_t)i)
                               : NULL;
        if (!name || strcmp(name, v) == 0) return name != NULL;
    }
}

static void check_accepted(int kind, const ecomd_list_query *q)
{
    CHECK(q->kind == kind && q->limit >= 1 && q->limit <= ECOMD_LIST_LIMIT_MAX);
    CHECK(!q->starting_after || text(q->starting_after));
    CHECK(!q->sku || (kind != ECOMD_LIST_CARTS && text(q->sku)));
    CHECK(!q->state || (kind == ECOMD_LIST_ORDERS && listed(q->state, 0)));
    CHECK(!q->payment_status || (kind == ECOMD_LIST_ORDERS && listed(q->payment_status, 1)));
    CHECK(!q->status || (kind == ECOMD_LIST_RESERVATIONS && listed(q->status, 2)));
    CHECK(kind == ECOMD_LIST_ORDERS ||
          (q->created_after == ECOMD_TIME_UNSET && q->created_before == ECOMD_TIME_UNSET));
    CHECK(kind == ECOMD_LIST_CARTS || q->updated_after == ECOMD_TIME_UNSET);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int kind = data[0] % 3;
    char *s = malloc(size);
    CHECK(s != NULL);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    ecomd_query_arg args[64];
    size_t n = 0;
    for (char *p = s, *next; p && n < 64; p = next) {
        next = strchr(p, '&');
        if (next) *next++ = '\0';
        char *eq = strchr(p, '=');
        if (eq) *eq++ = '\0';
        args[n++] = (ecomd_query_arg){p, eq};
    }
    ecomd_list_query q = {0}, again = {0};
    const char *field = NULL, *field2 = NULL;
    char msg[256] = "", msg2[256] = "";
    int ok = ecomd_list_query_read(kind, args, n, &q, &field, msg, sizeof msg);
    CHECK(ok == ecomd_list_query_read(kind, args, n, &again, &field2, msg2, sizeof msg2));
    if (ok) {
        check_accepted(kind, &q);
        CHECK(memcmp(&q, &again, sizeof q) == 0);
    } else {
        CHECK(field != NULL && msg[0] && strcmp(msg, msg2) == 0 && field == field2);
        int named = !*field;
        for (size_t i = 0; i < n && !named; i++) named = strcmp(field, args[i].name) == 0;
        CHECK(named && (!*field || ec_text_valid(field, strlen(field))));
    }
    free(s);
    return 0;
}
