/* text.c - identifier and code comparison rules of formats.md 1. */
#include <string.h>

#include "common/internal.h"

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int ec__ascii_casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        int d = ascii_lower((unsigned char)a[i]) - ascii_lower((unsigned char)b[i]);
        if (d) return d;
    }
    return (alen > blen) - (alen < blen);
}

void ec__ascii_lower(char *dst, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = (char)ascii_lower((unsigned char)s[i]);
}

/* Length of the UTF-8 sequence at s (1..4), or 0 when it is malformed,
 * overlong, a surrogate or beyond U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n = (c >= 0xC2 && c <= 0xDF)   ? 2
               : (c >= 0xE0 && c <= 0xEF) ? 3
               : (c >= 0xF0 && c <= 0xF4) ? 4
                                          : 0;
    if (n == 0 || n > left) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && s[1] > 0x9F) return 0; /* surrogate */
    if (c == 0xF0 && s[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && s[1] > 0x8F) return 0; /* > U+10FFFF */
    return n;
}

size_t ec_utf8_clean(char *dst, size_t cap, const char *src, size_t len)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    size_t out = 0;
    if (!dst || cap == 0) return 0;
    for (size_t i = 0; src && i < len;) {
        size_t k = utf8_seq((const unsigned char *)src + i, len - i);
        size_t n = k ? k : sizeof replacement - 1;
        if (out + n >= cap) break; /* never a character cut in two */
        memcpy(dst + out, k ? src + i : replacement, n);
        out += n;
        i += k ? k : 1;
    }
    dst[out] = '\0';
    return out;
}

int ec__id_valid(const char *s, size_t len)
{
    if (len == 0 || len > EC__ID_MAX) return 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x20 || u[i] == 0x7F) return 0;
        if (u[i] == 0xC2 && i + 1 < len && u[i + 1] < 0xA0) return 0; /* C1 */
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0) return 0;
        i += n;
    }
    return 1;
}

int ec__utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0) return 0;
        i += n;
    }
    return 1;
}
