/* fuzz_http_head.c - libFuzzer target for ecomd's checks of request-head
 * values (wrappers/http/request_head.c): path segments, trace context,
 * X-Request-Id, Idempotency-Key, If-Match and the query string.
 *
 * The input bytes are given to every check, as they would arrive in a
 * path segment or a header.  Beyond "no crash, no sanitizer report" it
 * traps on any violated invariant:
 * - the text check agrees with a second, independent one (code points
 *   decoded and compared against the ranges RFC 3629 allows);
 * - a path segment decodes as a second, plain percent-decoder decodes it,
 *   and is refused exactly when that one fails (a malformed escape, more
 *   than 127 bytes) or its bytes are not text; encoding the result again
 *   (every byte as %XX) decodes to the same bytes;
 * - an accepted traceparent yields 32 and 2 lower-case hex digits, the
 *   trace id not all zeros; an echoed tracestate, X-Request-Id or
 *   Idempotency-Key keeps to its length and alphabet;
 * - If-Match is -2 or the number written between its quotes;
 * - an origin that is valid keeps to its scheme, length and alphabet and
 *   is listed in a list that holds it (among others, in other case); one
 *   that is not valid is listed nowhere. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../wrappers/http/request_head.h"
#include "ecommerce.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: decode each code point, then judge it. */
static int text_reference(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp = s[i], len = 1, min = 0;
        if (cp >= 0xF8) return 0; /* no sequence starts so */
        if (cp >= 0xF0)
            len = 4, cp &= 0x07, min = 0x10000;
        else if (cp >= 0xE0)
            len = 3, cp &= 0x0F, min = 0x800;
        else if (cp >= 0xC0)
            len = 2, cp &= 0x1F, min = 0x80;
        else if (cp >= 0x80)
            return 0; /* a continuation byte first */
        if (i + len > n) return 0;
        for (uint32_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (len > 1 && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) return 0;
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return 0; /* C0, DEL, C1 */
        i += len;
    }
    return 1;
}

static int hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* The reference percent-decoder: the decoded length, or -1 when the
 * encoding is malformed or the result does not fit in cap - 1 bytes. */
static long decode_reference(const char *in, size_t n, char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdefABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++, o++) {
        if (o + 1 >= cap) return -1;
        if (in[i] != '%') {
            out[o] = in[i];
            continue;
        }
        if (n - i < 3 || !in[i + 1] || !in[i + 2] || !strchr(digits, in[i + 1]) ||
            !strchr(digits, in[i + 2]))
            return -1;
        char pair[3] = {in[i + 1], in[i + 2], 0};
        out[o] = (char)strtol(pair, NULL, 16);
        i += 2;
    }
    return (long)o;
}

static void check_segment(const char *in, size_t n)
{
    char out[128], want[128]; /* the router's ECOMD_PARAM_MAX */
    size_t got = ecomd_decode_segment(in, n, out, sizeof out);
    long len = decode_reference(in, n, want, sizeof want);
    int text = len > 0 && text_reference((const uint8_t *)want, (size_t)len);
    CHECK(got == (text ? (size_t)len : 0));
    if (got == 0) return;
    CHECK(out[got] == '\0' && memcmp(out, want, got) == 0);
    char encoded[3 * sizeof out + 1], again[sizeof out];
    for (size_t i = 0; i < got; i++) snprintf(encoded + 3 * i, 4, "%%%02X", (unsigned char)out[i]);
    CHECK(ecomd_decode_segment(encoded, 3 * got, again, sizeof again) == got);
    CHECK(memcmp(out, again, got + 1) == 0);
}

static void check_values(const char *s)
{
    char trace[33], flags[3];
    if (ecomd_traceparent_parse(s, trace, flags)) {
        CHECK(strlen(trace) == 32 && strlen(flags) == 2 && strspn(trace, "0") < 32);
        for (int i = 0; i < 32; i++) CHECK(hex_digit(trace[i]));
        CHECK(hex_digit(flags[0]) && hex_digit(flags[1]));
    }
    if (ecomd_tracestate_valid(s)) {
        CHECK(strlen(s) <= ECOMD_TRACESTATE_MAX);
        for (const char *p = s; *p; p++) CHECK(*p >= 0x20 && *p <= 0x7E);
    }
    static const char ids[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:";
    if (ecomd_request_id_valid(s))
        CHECK(strlen(s) >= 1 && strlen(s) <= ECOMD_REQUEST_ID_MAX && strspn(s, ids) == strlen(s));
    if (ecomd_idem_key_valid(s))
        CHECK(strlen(s) >= 1 && strlen(s) <= ECOMD_IDEM_KEY_MAX && strspn(s, ids) == strlen(s));
    int64_t v = ecomd_if_match_parse(s);
    CHECK(v >= -2 && v != -1);
    if (v >= 0) CHECK(s[0] == '"' && strtoll(s + 1, NULL, 10) == v && s[strlen(s) - 1] == '"');
    /* one argument, and one more after each '&' of a non-empty query */
    const char *q = strchr(s, '?');
    size_t want = q && q[1] ? 1 : 0;
    for (const char *p = q && q[1] ? q + 1 : ""; *p; p++) want += *p == '&';
    CHECK(ecomd_query_count(s) == want);
}

static void check_origin(const char *s, size_t n)
{
    char list[2 * ECOMD_ORIGIN_MAX + 64];
    if (!ecomd_origin_valid(s, n) || strlen(s) != n) {
        snprintf(list, sizeof list, "https://x.example, %.*s", (int)(n % 300), s);
        CHECK(!ecomd_origin_listed(list, s) || ecomd_origin_valid(s, strlen(s)));
        return;
    }
    size_t scheme = strncasecmp(s, "https://", 8) == 0 ? 8 : 7;
    CHECK(n <= ECOMD_ORIGIN_MAX && (scheme == 8 || strncasecmp(s, "http://", 7) == 0));
    for (size_t i = scheme; i < n; i++) CHECK(s[i] > 0x20 && s[i] < 0x7F && !strchr(",/?#@", s[i]));
    char upper[ECOMD_ORIGIN_MAX + 1];
    for (size_t i = 0; i <= n; i++)
        upper[i] = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 32) : s[i];
    snprintf(list, sizeof list, " https://other.example ,%s, http://b.example", upper);
    CHECK(ecomd_origin_listed(list, s));
    CHECK(ecomd_origin_listed("https://other.example", s) ==
          (strcasecmp(s, "https://other.example") == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    CHECK(ec_text_valid(in, size) == text_reference(data, size));
    check_segment(in, size);
    char *s = malloc(size + 1); /* headers reach ecomd NUL-terminated */
    CHECK(s != NULL);
    memcpy(s, data, size);
    s[size] = '\0';
    check_values(s);
    check_origin(s, size);
    CHECK(ecomd_if_match_parse(NULL) == -1);
    free(s);
    return 0;
}
