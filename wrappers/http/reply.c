/* reply.c - what a request carries (headers, query arguments) and how it
 * is answered: the JSON documents, error documents and their HTTP status,
 * and the trace headers every answer carries.
 *
 * Every body handed to MHD is a malloc'd buffer MHD frees with the
 * response, so it stays readable until the request completes: a response
 * MHD could not send (its head did not fit in the connection's memory)
 * is then written directly by on_completed (server.c). */
#define _GNU_SOURCE /* MHD's headers want sockaddr types fully declared */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "request_head.h"

const char *ecomd_header(ecomd_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int64_t ecomd_if_match(ecomd_request *r)
{
    return ecomd_if_match_parse(ecomd_header(r, "If-Match"));
}

const char *ecomd_query(ecomd_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void ecomd_add_header(ecomd_request *r, const char *name, const char *value)
{
    if (r->nheaders == ECOMD_MAX_HEADERS) return;
    r->header_names[r->nheaders] = name;
    snprintf(r->header_values[r->nheaders], sizeof r->header_values[0], "%s", value);
    r->nheaders++;
}

/* ---- responses ------------------------------------------------------------------ */

static void add_trace_headers(ecomd_request *r, struct MHD_Response *resp)
{
    char tp[64];
    snprintf(tp, sizeof tp, "00-%s-%s-%s", r->trace_id, r->span_id, r->trace_flags);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "traceparent", tp);
    /* Bounded, so that the answer's head always fits (an unbounded one
     * once made MHD drop the answer). */
    const char *state = ecomd_header(r, "tracestate");
    if (state && ecomd_tracestate_valid(state)) MHD_add_response_header(resp, "tracestate", state);
}

/* Queue `body` (malloc'd, taken over; NULL for none) as the answer. */
static void queue(ecomd_request *r, unsigned status, char *body, size_t len,
                  const char *content_type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(
        body ? len : 0, body ? body : (void *)"", body ? free : NULL);
    if (!resp) {
        free(body);
        r->status = 500;
        return;
    }
    if (content_type) MHD_add_response_header(resp, "Content-Type", content_type);
    add_trace_headers(r, resp);
    for (size_t i = 0; i < r->nheaders; i++)
        MHD_add_response_header(resp, r->header_names[i], r->header_values[i]);
    r->sent_body = body;
    r->sent_len = body ? len : 0;
    if (r->offloaded) {
        /* Off MHD's thread (a suspended connection): the thread queues it
         * once the connection is resumed.  The first answer stands, as
         * MHD_queue_response refuses a second. */
        if (r->pending)
            MHD_destroy_response(resp);
        else
            r->pending = resp, r->pending_status = status;
        return;
    }
    if (MHD_queue_response(r->conn, status, resp) == MHD_YES) {
        r->status = status;
        r->answered = 1;
    }
    MHD_destroy_response(resp);
}

int ecomd_reply_pending(ecomd_request *r)
{
    struct MHD_Response *resp = r->pending;
    if (!resp) return 0;
    r->pending = NULL;
    if (MHD_queue_response(r->conn, r->pending_status, resp) == MHD_YES) {
        r->status = r->pending_status;
        r->answered = 1;
    }
    MHD_destroy_response(resp);
    return r->answered;
}

void ecomd_reply(ecomd_request *r, unsigned status, char *body, size_t len)
{
    if (!body) {
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
        return;
    }
    queue(r, status, body, len, "application/json");
}

void ecomd_reply_copy(ecomd_request *r, unsigned status, const char *body, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy) memcpy(copy, body, len);
    ecomd_reply(r, status, copy, len);
}

void ecomd_reply_text(ecomd_request *r, unsigned status, char *body, size_t len,
                      const char *content_type)
{
    queue(r, status, body, len, content_type);
}

void ecomd_reply_error(ecomd_request *r, unsigned status, ec_status code, const char *field,
                       const char *message)
{
    char buf[1024];
    size_t n = ecomd_error_document(buf, sizeof buf, code, field, message);
    if (code == EC_UNAVAILABLE) ecomd_add_header(r, "Retry-After", "1");
    ecomd_reply_copy(r, status, buf, n);
}

unsigned ecomd_http_status(ec_status st)
{
    switch (st) {
    case EC_OK:
        return 200;
    case EC_INVALID_TRANSITION:
    case EC_VERSION_CONFLICT:
    case EC_IDEMPOTENCY_CONFLICT:
    case EC_INSUFFICIENT_STOCK:
    case EC_RESERVATION_EXPIRED:
        return 409;
    case EC_NOT_FOUND:
        return 404;
    case EC_UNAUTHORIZED:
        return 401;
    case EC_FORBIDDEN:
        return 403;
    case EC_PAYLOAD_TOO_LARGE:
        return 413;
    case EC_UNSUPPORTED_MEDIA_TYPE:
        return 415;
    case EC_UNAVAILABLE:
        return 503;
    case EC_INTERNAL:
    case EC_NO_MEMORY:
    case EC_MISUSE:
        return 500;
    default:
        return 400; /* invalid input and pricing errors */
    }
}

void ecomd_reply_ec_error(ecomd_request *r, const ec_error *err)
{
    ec_status code = (ec_status)err->code;
    if (code == EC_UNAVAILABLE && ecomd_reply_data_error(r)) return;
    if (code == EC_UNAVAILABLE) ecomd_metrics_store_error(r->srv->metrics);
    ecomd_reply_error(r, ecomd_http_status(code), code, err->field,
                      err->message[0] ? err->message : NULL);
}
