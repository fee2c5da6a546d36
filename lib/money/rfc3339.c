/* rfc3339.c - RFC 3339 date-times to microseconds since the Unix epoch.
 *
 * Grammar (RFC 3339 section 5.6, no extensions):
 *   YYYY-MM-DD ("T" / "t") HH:MM:SS [ "." 1*9DIGIT ] ("Z" / "z" / +HH:MM / -HH:MM)
 * A space instead of the "T" is refused: the RFC only mentions it as
 * something applications may choose, and a strict form keeps every
 * document's times comparable as written.  Leap seconds (second 60) are
 * refused because the result is a count of POSIX seconds, which has no
 * place for them.  Digits past the microsecond are truncated, never
 * rounded, so a time never moves across a window boundary it had not
 * reached; more than nine are refused as implausible. */
#include <stdio.h> /* snprintf only: messages, no I/O */

#include "common/internal.h"
#include "ecommerce/money.h"
#include "money/money_private.h"

#define FRACTION_DIGITS_MAX 9
#define MICRO_DIGITS 6

typedef struct cursor {
    const char *s;
    size_t len;
    size_t pos;
} cursor;

typedef struct date_time {
    int year, month, day, hour, minute, second;
    int offset_hour, offset_minute, offset_sign;
    int64_t micros;
} date_time;

/* Exactly n digits at the cursor. */
static int take_digits(cursor *c, size_t n, int *out)
{
    int v = 0;
    if (c->len - c->pos < n) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = c->s[c->pos + i];
        if (ch < '0' || ch > '9') return 0;
        v = v * 10 + (ch - '0');
    }
    c->pos += n;
    *out = v;
    return 1;
}

static int take_char(cursor *c, char a, char b)
{
    if (c->pos >= c->len || (c->s[c->pos] != a && c->s[c->pos] != b)) return 0;
    c->pos++;
    return 1;
}

/* Optional ".digits": the first six are microseconds, the rest dropped. */
static int take_fraction(cursor *c, int64_t *micros)
{
    size_t n = 0;
    *micros = 0;
    if (!take_char(c, '.', '.')) return 1;
    while (c->pos < c->len && c->s[c->pos] >= '0' && c->s[c->pos] <= '9') {
        if (n < MICRO_DIGITS) *micros = *micros * 10 + (c->s[c->pos] - '0');
        c->pos++;
        n++;
    }
    for (size_t i = n; i < MICRO_DIGITS; i++) *micros *= 10;
    return n >= 1 && n <= FRACTION_DIGITS_MAX;
}

static int take_offset(cursor *c, date_time *t)
{
    t->offset_sign = 0;
    t->offset_hour = t->offset_minute = 0;
    if (take_char(c, 'Z', 'z')) return 1;
    if (c->pos >= c->len) return 0;
    t->offset_sign = c->s[c->pos] == '-' ? -1 : 1;
    return take_char(c, '+', '-') && take_digits(c, 2, &t->offset_hour) && take_char(c, ':', ':') &&
           take_digits(c, 2, &t->offset_minute);
}

static int scan(cursor *c, date_time *t)
{
    return take_digits(c, 4, &t->year) && take_char(c, '-', '-') && take_digits(c, 2, &t->month) &&
           take_char(c, '-', '-') && take_digits(c, 2, &t->day) && take_char(c, 'T', 't') &&
           take_digits(c, 2, &t->hour) && take_char(c, ':', ':') && take_digits(c, 2, &t->minute) &&
           take_char(c, ':', ':') && take_digits(c, 2, &t->second) &&
           take_fraction(c, &t->micros) && take_offset(c, t) && c->pos == c->len;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Names the first field out of range in why; 0 when all are valid. */
static int range_error(const date_time *t, char *why, size_t cap)
{
    int month_ok = t->month >= 1 && t->month <= 12;
    int day_max = month_ok ? days_in_month(t->year, t->month) : 31;
    const struct {
        const char *what;
        int value, min, max;
        const char *note;
    } checks[] = {
        {"month", t->month, 1, 12, ""},
        {"day", t->day, 1, day_max, ""},
        {"hour", t->hour, 0, 23, ""},
        {"minute", t->minute, 0, 59, ""},
        {"second", t->second, 0, 59, t->second == 60 ? " (leap seconds are not supported)" : ""},
        {"offset hour", t->offset_hour, 0, 23, ""},
        {"offset minute", t->offset_minute, 0, 59, ""},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        if (checks[i].value >= checks[i].min && checks[i].value <= checks[i].max) continue;
        snprintf(why, cap, "is not a valid date-time: %s %02d is out of range%s", checks[i].what,
                 checks[i].value, checks[i].note);
        return 1;
    }
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil): exact for every year 0000..9999. */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400; /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

ec_status ec_time_parse(const char *s, size_t len, int64_t *out_us, ec_error *err)
{
    date_time t;
    char why[128];
    EC_FAIL_IF(!out_us || (!s && len), err, EC_MISUSE, NULL, "ec_time_parse: NULL argument");
    cursor c = {s ? s : "", len, 0};
    if (!scan(&c, &t))
        return ec__fail_input(err, EC_INVALID_FIELD, "time", c.s, len,
                              "is not an RFC 3339 date-time (like "
                              "\"2026-11-25T10:00:00Z\")");
    if (range_error(&t, why, sizeof why))
        return ec__fail_input(err, EC_INVALID_FIELD, "time", c.s, len, why);
    /* |seconds| < 2^39 for years 0000..9999: no overflow anywhere below. */
    int64_t seconds = days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 +
                      t.minute * 60 + t.second -
                      t.offset_sign * (t.offset_hour * 3600 + t.offset_minute * 60);
    *out_us = seconds * 1000000 + t.micros;
    return EC_OK;
}
