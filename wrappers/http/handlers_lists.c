/* handlers_lists.c - GET /v1/orders, /v1/reservations and /v1/carts: one
 * page of a list, newest first, in Stripe's shape:
 *
 *     {"object": "list", "data": [...], "has_more": true}
 *
 * The query string is read once (list_query.c), the store asked for one
 * row more than the page holds (that row only tells has_more), and every
 * item of `data` is the document the single GET of that object answers:
 * an order as stored, a cart priced now, a reservation as it stands now.  The next page is the one
 * after the last id of this one (starting_after). */
#define _GNU_SOURCE /* MHD's headers want sockaddr types fully declared */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "list_query.h"

/* The query arguments as MHD decoded them. */
typedef struct args {
    ecomd_query_arg v[ECOMD_QUERY_ARGS_MAX];
    size_t n;
} args;

static enum MHD_Result take_arg(void *cls, enum MHD_ValueKind kind, const char *name,
                                const char *value)
{
    (void)kind;
    args *a = cls;
    if (a->n == ECOMD_QUERY_ARGS_MAX) return MHD_NO; /* refused on the head before */
    a->v[a->n++] = (ecomd_query_arg){name, value};
    return MHD_YES;
}

/* Read the request's query into q; 0 after answering 400. */
static int read_query(ecomd_request *r, int kind, ecomd_list_query *q)
{
    args a = {.n = 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, take_arg, &a);
    const char *field = NULL;
    char msg[EC_ERROR_MESSAGE_MAX];
    q->now_us = ecomd_now_us();
    if (ecomd_list_query_read(kind, a.v, a.n, q, &field, msg, sizeof msg)) return 1;
    ecomd_reply_error(r, 400, EC_INVALID_FIELD, field, msg);
    return 0;
}

/* Append one row's document to the page. */
typedef ec_status (*item_fn)(ecomd_request *r, const ecomd_row *row, int64_t now, ecomd_doc *page);

/* The stored document as it is: it is what the library wrote
 * (ec_order_to_json) when the order was last put, and the single GET,
 * which reads it and writes it again, answers the same document.  Reading
 * every order of a page through the library took four fifths of a page's
 * time (perf: ec_order_from_json) and changed nothing. */
static ec_status order_item(ecomd_request *r, const ecomd_row *row, int64_t now, ecomd_doc *page)
{
    (void)r, (void)now;
    ecomd_doc_lit(page, row->doc);
    return EC_OK;
}

static ec_status cart_item(ecomd_request *r, const ecomd_row *row, int64_t now, ecomd_doc *page)
{
    (void)now; /* priced at the moment, as the single GET prices */
    ec_status st = EC_OK;
    char *doc = ecomd_cart_document(r, row->id, row->version, row->doc, &st);
    if (doc) ecomd_doc_lit(page, doc);
    free(doc);
    return st;
}

/* At the time the page's status filter used, so that each item's status
 * is the one it was listed by. */
static ec_status reservation_item(ecomd_request *r, const ecomd_row *row, int64_t now,
                                  ecomd_doc *page)
{
    char *doc = NULL;
    size_t len = 0;
    ec_status st = ecomd_reservation_document(r->srv, row->id, now, &doc, &len);
    if (st == EC_OK) ecomd_doc_add(page, doc, len);
    ec_free(doc);
    return st;
}

static void list(ecomd_request *r, int kind, item_fn item, const char *what)
{
    ecomd_list_query q;
    if (!read_query(r, kind, &q)) return;
    int limit = q.limit;
    q.limit = limit + 1; /* the row after the page says whether there is more */
    ecomd_rows rows = {0};
    ecomd_store *s = r->srv->store;
    ec_status listed = s->ops->list(s, &q, &rows), st = listed;
    ecomd_doc page = {0};
    ecomd_doc_lit(&page, "{\"object\":\"list\",\"data\":[");
    for (size_t i = 0; st == EC_OK && i < rows.n && i < (size_t)limit; i++) {
        if (i) ecomd_doc_lit(&page, ",");
        st = item(r, &rows.v[i], q.now_us, &page);
    }
    ecomd_doc_printf(&page, "],\"has_more\":%s}", rows.n > (size_t)limit ? "true" : "false");
    ecomd_rows_free(&rows);
    size_t len = 0;
    char *body = ecomd_doc_take(&page, &len);
    if (listed == EC_NOT_FOUND) /* the cursor names nothing */
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "starting_after", what);
    else if (st != EC_OK)
        ecomd_reply_store_error(r, st);
    else if (body) {
        ecomd_reply(r, 200, body, len);
        body = NULL;
    } else
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
    free(body);
}

void ecomd_h_orders_list(ecomd_request *r)
{
    list(r, ECOMD_LIST_ORDERS, order_item, "no such order");
}

void ecomd_h_reservations_list(ecomd_request *r)
{
    list(r, ECOMD_LIST_RESERVATIONS, reservation_item, "no such reservation");
}

void ecomd_h_carts_list(ecomd_request *r)
{
    list(r, ECOMD_LIST_CARTS, cart_item, "no such cart");
}
