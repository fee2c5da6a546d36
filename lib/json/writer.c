/* writer.c - JSON output buffer with escaping. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "ecommerce/money.h"
#include "json/writer.h"
#include "money/digits.h"

static int grow(ec__buf *b, size_t need)
{
    if (b->failed) return 0;
    if (b->len + need + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + need + 1) cap *= 2;
    if (cap > (size_t)EC_JSON_MAX_DOCUMENT + 1) {
        b->failed = 1;
        return 0;
    }
    char *p = ec__realloc(b->alloc, b->p, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void ec__buf_raw(ec__buf *b, const char *s, size_t n)
{
    if (!grow(b, n)) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void ec__buf_lit(ec__buf *b, const char *s)
{
    ec__buf_raw(b, s, strlen(s));
}

/* The escaping path: worst case every byte as \u00XX. */
static void str_escaped(ec__buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (!grow(b, n * 6 + 2)) return;
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (esc) {
                memcpy(o, esc, 2);
                o += 2;
            } else {
                memcpy(o, "\\u00", 4);
                o[4] = hex[c >> 4];
                o[5] = hex[c & 15];
                o += 6;
            }
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

/* Ids and SKUs rarely need escaping: copy while checking, in the room
 * already there, and start over on the escaping path at the first byte
 * that needs it (it rewrites from the same position). */
void ec__buf_str(ec__buf *b, const char *s, size_t n)
{
    if (b->len + n + 2 < b->cap) {
        char *o = b->p + b->len + 1;
        size_t i = 0;
        for (; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == '"' || c == '\\') break;
            o[i] = (char)c;
        }
        if (i == n) {
            o[-1] = '"';
            o[n] = '"';
            b->len += n + 2;
            return;
        }
    }
    str_escaped(b, s, n);
}

void ec__buf_int(ec__buf *b, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do tmp[sizeof tmp - ++n] = (char)('0' + u % 10);
    while ((u /= 10));
    if (v < 0) tmp[sizeof tmp - ++n] = '-';
    ec__buf_raw(b, tmp + sizeof tmp - n, n);
}

void ec__buf_money(ec__buf *b, int64_t minor, int32_t exponent)
{
    char tmp[EC_MONEY_FORMAT_MAX + 2];
    size_t n = 0;
    /* straight into the room when there is room and the exponent is one
     * ec_money_format() takes (it refuses the others) */
    if (exponent >= 0 && exponent <= 4 && b->len + EC__MONEY_DIGITS_MAX + 2 < b->cap) {
        char *end = tmp + sizeof tmp - 1, *start = ec__money_digits(minor, exponent, end);
        *--start = '"';
        *end = '"';
        n = (size_t)(end + 1 - start);
        memcpy(b->p + b->len, start, n);
        b->len += n;
        return;
    }
    if (ec_money_format(minor, exponent, tmp + 1, sizeof tmp - 2, &n) != EC_OK) {
        b->failed = 1;
        return;
    }
    tmp[0] = '"';
    tmp[n + 1] = '"';
    ec__buf_raw(b, tmp, n + 2);
}

void ec__buf_percent(ec__buf *b, int32_t millionths)
{
    char tmp[32];
    size_t n = 0;
    if (ec_percent_format(millionths, tmp + 1, sizeof tmp - 2, &n) != EC_OK) {
        b->failed = 1;
        return;
    }
    tmp[0] = '"';
    tmp[n + 1] = '"';
    ec__buf_raw(b, tmp, n + 2);
}

int ec__buf_finish(ec__buf *b)
{
    if (!grow(b, 0)) return 0;
    b->p[b->len] = '\0';
    return 1;
}

ec_status ec__buf_take(ec__buf *b, char **out, size_t *out_len)
{
    if (!ec__buf_finish(b)) {
        ec__dealloc(b->alloc, b->p);
        return EC_NO_MEMORY;
    }
    *out = b->p;
    if (out_len) *out_len = b->len;
    return EC_OK;
}
