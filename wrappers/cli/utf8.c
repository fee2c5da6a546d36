/* utf8.c - what ecom writes is valid UTF-8, whatever the input held.
 *
 * Error messages and rejects quote input (a CSV column name, a SKU); an
 * input is any bytes.  Each byte that does not start a well-formed UTF-8
 * sequence is written as U+FFFD, the replacement character, so that every
 * error document and reject line parses as JSON text (RFC 8259 requires
 * UTF-8).  Kept apart from io.c so that the fuzz targets, which compile
 * the reprice readers in, get it too. */
#include <string.h>

#include "cli.h"

/* Length of the well-formed UTF-8 sequence at s (1 to 4 bytes), or 0 when
 * it is malformed, overlong, a surrogate or beyond U+10FFFF. */
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
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xF0 && s[1] < 0x90)) return 0; /* overlong */
    if (c == 0xED && s[1] > 0x9F) return 0;                                 /* surrogate */
    if (c == 0xF4 && s[1] > 0x8F) return 0;                                 /* > U+10FFFF */
    return n;
}

size_t cli_utf8_clean(char *dst, size_t cap, const char *src, size_t n)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    size_t out = 0;
    if (cap == 0) return 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq((const unsigned char *)src + i, n - i);
        const char *from = k ? src + i : replacement;
        size_t len = k ? k : 3;
        if (out + len >= cap) break; /* never cut a character in two */
        memcpy(dst + out, from, len);
        out += len;
        i += k ? k : 1;
    }
    dst[out] = '\0';
    return out;
}

void cli_error_clean(ec_error *err)
{
    char field[sizeof err->field], message[sizeof err->message];
    cli_utf8_clean(field, sizeof field, err->field, strnlen(err->field, sizeof err->field));
    cli_utf8_clean(message, sizeof message, err->message,
                   strnlen(err->message, sizeof err->message));
    memcpy(err->field, field, sizeof field);
    memcpy(err->message, message, sizeof message);
}
