/* request_head.h - checks of the values a request head carries (path
 * segments, trace context, X-Request-Id, If-Match, Idempotency-Key, the
 * query string).  Pure functions on bytes, without MHD, so that a fuzz
 * target drives them (fuzz/fuzz_http_head.c). */
#ifndef ECOMD_REQUEST_HEAD_H
#define ECOMD_REQUEST_HEAD_H

#include <stddef.h>
#include <stdint.h>

/* Longest X-Request-Id echoed (longer ones are replaced by a new id). */
#define ECOMD_REQUEST_ID_MAX 71
/* Longest tracestate echoed, and most list members (W3C trace context:
 * a vendor propagates at least 512 characters and 32 members). */
#define ECOMD_TRACESTATE_MAX 512
#define ECOMD_TRACESTATE_MEMBERS 32
/* Idempotency-Key: 1 to this many of [A-Za-z0-9._:-]. */
#define ECOMD_IDEM_KEY_MAX 128

/* Percent-decode one path segment [s, s+n) into out (cap bytes, NUL
 * terminated).  Returns its length, or 0 when it is empty, malformed
 * ("%4", "%zz"), does not fit, or decodes to bytes ec_text_valid()
 * refuses (not UTF-8 text without control characters, what the library
 * takes in an id and PostgreSQL as text): such a segment names nothing, so its route answers 404.
 */
size_t ecomd_decode_segment(const char *s, size_t n, char *out, size_t cap);

/* A W3C traceparent "00-<32 hex>-<16 hex>-<2 hex>" (a later version may
 * append fields): 1 with the trace id and flags copied out, 0 when it is
 * invalid (version ff, all-zero ids, upper-case hex, a version-00 header
 * with extra fields). */
int ecomd_traceparent_parse(const char *tp, char trace_id[33], char flags[3]);

/* Whether a tracestate header is echoed: at most ECOMD_TRACESTATE_MAX
 * bytes of printable ASCII in at most ECOMD_TRACESTATE_MEMBERS members. */
int ecomd_tracestate_valid(const char *ts);

/* Whether an X-Request-Id is echoed: 1 to ECOMD_REQUEST_ID_MAX of
 * [A-Za-z0-9._:-]. */
int ecomd_request_id_valid(const char *id);

/* The version an If-Match header names ("\"3\""): -1 when absent (NULL),
 * -2 when malformed. */
int64_t ecomd_if_match_parse(const char *im);

/* Whether an Idempotency-Key is 1 to ECOMD_IDEM_KEY_MAX of [A-Za-z0-9._:-]. */
int ecomd_idem_key_valid(const char *key);

/* Arguments in the query string of a request target ("/p?a=1&b" has 2). */
size_t ecomd_query_count(const char *target);

/* ---- CORS ---------------------------------------------------------------- */

/* Longest origin --cors-origin takes. */
#define ECOMD_ORIGIN_MAX 200

/* Whether [s, s+n) is an origin as browsers send it: "http://" or
 * "https://", a host of [A-Za-z0-9.-] or a bracketed IPv6 address, and an
 * optional ":port" (1 to 5 digits); no path, no trailing slash, at most
 * ECOMD_ORIGIN_MAX bytes. */
int ecomd_origin_valid(const char *s, size_t n);

/* Whether `origin` is one of the comma-separated origins in `list`
 * (spaces around each are ignored; compared ASCII case-insensitively, as
 * scheme and host are).  An origin that is not valid is never listed. */
int ecomd_origin_listed(const char *list, const char *origin);

#endif /* ECOMD_REQUEST_HEAD_H */
