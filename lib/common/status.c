/* status.c - the status table and the ec_error helpers. */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"

static const char *const status_names[] = {
#define EC__STATUS_NAME(v, name, code, msg) [v] = code,
    EC_STATUS_MAP(EC__STATUS_NAME)
#undef EC__STATUS_NAME
};

static const char *const status_messages[] = {
#define EC__STATUS_MSG(v, name, code, msg) [v] = msg,
    EC_STATUS_MAP(EC__STATUS_MSG)
#undef EC__STATUS_MSG
};

const char *ec_status_name(int32_t status)
{
    if (status < 0 || status >= EC__STATUS_COUNT) return "unknown";
    return status_names[status];
}

const char *ec_status_message(int32_t status)
{
    if (status < 0 || status >= EC__STATUS_COUNT) return "unknown status";
    return status_messages[status];
}

size_t ec_error_size(void)
{
    return sizeof(ec_error);
}

void ec_error_clear(ec_error *err)
{
    if (!err) return;
    err->code = EC_OK;
    err->field[0] = '\0';
    err->message[0] = '\0';
}

int32_t ec_error_code(const ec_error *err)
{
    return err ? err->code : EC_MISUSE;
}
const char *ec_error_field(const ec_error *err)
{
    return err ? err->field : "";
}
const char *ec_error_message(const ec_error *err)
{
    return err ? err->message : "";
}

/* Messages and paths quote input (keys, codes) and may be cut short: every
 * byte that is not part of a valid UTF-8 sequence becomes '?', so an error
 * document is always valid JSON text. */
static void utf8_sanitize(char *s)
{
    for (size_t i = 0; s[i];) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80                   ? 1
                   : (c >= 0xC2 && c <= 0xDF) ? 2
                   : (c >= 0xE0 && c <= 0xEF) ? 3
                   : (c >= 0xF0 && c <= 0xF4) ? 4
                                              : 0;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80) n = 0; /* stops at the NUL too */
        if (n >= 3 && ec__id_valid(s + i, n) == 0) n = 0; /* overlong, surrogate, > U+10FFFF */
        if (n == 0) {
            s[i++] = '?';
            continue;
        }
        i += n;
    }
}

ec_status ec__fail(ec_error *err, ec_status status, const char *field, const char *fmt, ...)
{
    if (!err) return status;
    err->code = status;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    utf8_sanitize(err->field);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        utf8_sanitize(err->message);
    } else {
        snprintf(err->message, sizeof err->message, "%s", ec_status_message(status));
    }
    return status;
}

void ec__error_field(ec_error *err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->field, sizeof err->field, fmt, ap);
    va_end(ap);
    utf8_sanitize(err->field);
}

void ec__error_prefix(ec_error *err, const char *fmt, ...)
{
    if (!err) return;
    char prefix[EC_ERROR_FIELD_MAX];
    char old[EC_ERROR_FIELD_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->field, sizeof old);
    /* truncating concatenation: a long path loses its tail, never its head */
    size_t n = 0, cap = sizeof err->field - 1;
    const char *parts[3] = {prefix, (old[0] && old[0] != '[') ? "." : "", old};
    for (int k = 0; k < 3; k++)
        for (const char *c = parts[k]; *c && n < cap; c++) err->field[n++] = *c;
    err->field[n] = '\0';
    utf8_sanitize(err->field);
}
