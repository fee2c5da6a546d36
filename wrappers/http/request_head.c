/* request_head.c - checks of the values a request head carries; see
 * request_head.h.  No MHD and no state: bytes in, a verdict out. */
#include "request_head.h"

#include "ecommerce.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t ecomd_decode_segment(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n) return 0;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return 0;
            c = hi * 16 + lo;
            i += 2;
        }
        if (o + 1 >= cap) return 0;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return o > 0 && ec_text_valid(out, o) ? o : 0;
}

/* ---- trace context and request ids ------------------------------------------------ */

static int lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

static int all_zero(const char *s, size_t n)
{
    return strspn(s, "0") >= n;
}

int ecomd_traceparent_parse(const char *tp, char trace_id[33], char flags[3])
{
    size_t n = strlen(tp);
    if (n < 55 || (n > 55 && tp[55] != '-') || !lower_hex(tp, 2) || memcmp(tp, "ff", 2) == 0 ||
        tp[2] != '-' || !lower_hex(tp + 3, 32) || all_zero(tp + 3, 32) || tp[35] != '-' ||
        !lower_hex(tp + 36, 16) || all_zero(tp + 36, 16) || tp[52] != '-' || !lower_hex(tp + 53, 2))
        return 0;
    if (memcmp(tp, "00", 2) == 0 && n != 55) return 0;
    memcpy(trace_id, tp + 3, 32);
    trace_id[32] = '\0';
    memcpy(flags, tp + 53, 2);
    flags[2] = '\0';
    return 1;
}

int ecomd_tracestate_valid(const char *ts)
{
    size_t members = 1, n = 0;
    for (; ts[n]; n++) {
        if (n == ECOMD_TRACESTATE_MAX || ts[n] < 0x20 || ts[n] > 0x7E) return 0;
        members += ts[n] == ',';
    }
    return members <= ECOMD_TRACESTATE_MEMBERS;
}

static const char id_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:";

int ecomd_request_id_valid(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= ECOMD_REQUEST_ID_MAX && strspn(id, id_chars) == n;
}

int ecomd_idem_key_valid(const char *key)
{
    size_t n = strlen(key);
    return n >= 1 && n <= ECOMD_IDEM_KEY_MAX && strspn(key, id_chars) == n;
}

int64_t ecomd_if_match_parse(const char *im)
{
    if (!im) return -1;
    if (im[0] != '"' || im[1] < '0' || im[1] > '9') return -2;
    char *end = NULL;
    long long v = strtoll(im + 1, &end, 10);
    return strcmp(end, "\"") == 0 && v >= 0 ? (int64_t)v : -2;
}

size_t ecomd_query_count(const char *target)
{
    const char *q = strchr(target, '?');
    if (!q || !q[1]) return 0;
    size_t n = 1;
    for (q++; *q; q++) n += *q == '&';
    return n;
}

/* ---- CORS ----------------------------------------------------------------------------- */

static size_t span_of(const char *s, size_t n, const char *set)
{
    size_t i = 0;
    while (i < n && s[i] && strchr(set, s[i])) i++;
    return i;
}

int ecomd_origin_valid(const char *s, size_t n)
{
    static const char host_chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
    size_t i = n >= 8 && strncasecmp(s, "https://", 8) == 0  ? 8
               : n >= 7 && strncasecmp(s, "http://", 7) == 0 ? 7
                                                             : 0;
    if (i == 0 || n > ECOMD_ORIGIN_MAX) return 0;
    size_t host = 0;
    if (i < n && s[i] == '[') {
        host = span_of(s + i + 1, n - i - 1, "0123456789abcdefABCDEF:.");
        if (host < 2 || i + 1 + host >= n || s[i + 1 + host] != ']') return 0;
        host += 2;
    } else {
        host = span_of(s + i, n - i, host_chars);
    }
    if (host == 0) return 0;
    i += host;
    if (i == n) return 1;
    size_t port = s[i] == ':' ? span_of(s + i + 1, n - i - 1, "0123456789") : 0;
    return port >= 1 && port <= 5 && i + 1 + port == n;
}

int ecomd_origin_listed(const char *list, const char *origin)
{
    size_t olen = strlen(origin);
    if (!ecomd_origin_valid(origin, olen)) return 0;
    while (*list) {
        list += strspn(list, " ,");
        size_t n = strcspn(list, ",");
        size_t k = n;
        while (k > 0 && list[k - 1] == ' ') k--;
        if (k == olen && strncasecmp(list, origin, k) == 0) return 1;
        list += n;
    }
    return 0;
}
