/* log.c - one JSON line per event on stderr.
 *
 * Each line is built in a local buffer and written with one write(2), so
 * lines from concurrent threads never interleave.  Keys and Authorization
 * headers are never passed here. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecomd.h"

/* Set once at start-up (ecomd_log_setup), before any thread logs. */
static atomic_int least_level = ECOMD_LOG_INFO;
static atomic_int access_log = 1;

void ecomd_log_setup(int level, int access)
{
    atomic_store(&least_level, level);
    atomic_store(&access_log, access);
}

static int level_value(const char *level)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(level, names[i]) == 0) return i;
    return ECOMD_LOG_ERROR; /* an unknown level is never filtered out */
}

int ecomd_log_enabled(const char *level)
{
    return level_value(level) >= atomic_load_explicit(&least_level, memory_order_relaxed);
}

size_t ecomd_json_quote(char *buf, size_t size, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    if (size < 3) return 0;
    buf[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (n + 8 >= size) return 0;
        if (*p == '"' || *p == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)*p;
        } else if (*p < 0x20) {
            memcpy(buf + n, "\\u00", 4);
            buf[n + 4] = hex[*p >> 4];
            buf[n + 5] = hex[*p & 15];
            n += 6;
        } else {
            buf[n++] = (char)*p;
        }
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return n;
}

static size_t timestamp(char *buf, size_t size)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    return (size_t)snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                            ts.tv_nsec / 1000000);
}

void ecomd_format_time(int64_t us, char *buf, size_t size)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us % 1000000));
}

/* Append ,"key":"value" (escaped); silently truncated lines stay valid. */
static void add_str(char *line, size_t size, size_t *n, const char *key, const char *value)
{
    char quoted[1024];
    if (!ecomd_json_quote(quoted, sizeof quoted, value ? value : "")) strcpy(quoted, "\"\"");
    int w = snprintf(line + *n, size - *n, ",\"%s\":%s", key, quoted);
    if (w > 0 && (size_t)w < size - *n) *n += (size_t)w;
}

static void emit(char *line, size_t size, size_t n)
{
    if (n + 2 > size) n = size - 2;
    line[n++] = '}';
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w; /* nothing sensible to do when stderr is gone */
}

void ecomd_log(const ecomd_server *srv, const char *level, const char *msg, const char *extra)
{
    if (!ecomd_log_enabled(level)) return;
    char line[4096], ts[96];
    timestamp(ts, sizeof ts);
    size_t n = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\"", ts);
    add_str(line, sizeof line, &n, "level", level);
    add_str(line, sizeof line, &n, "msg", msg);
    add_str(line, sizeof line, &n, "region", srv ? srv->cfg.region : "");
    add_str(line, sizeof line, &n, "instance", srv ? srv->cfg.instance : "");
    if (extra) {
        int w = snprintf(line + n, sizeof line - n, ",%s", extra);
        if (w > 0 && (size_t)w < sizeof line - n) n += (size_t)w;
    }
    emit(line, sizeof line, n);
}

/* The access log: one line per request, unless --access-log off.  `key`
 * is the API key's name (never the key), `client` the peer address,
 * `error_code` the code of the error document answered, `bytes` the
 * response body's length as sent (0 for HEAD). */
void ecomd_log_request(const ecomd_request *r, double seconds)
{
    const char *level = r->status >= 500 ? "error" : "info";
    if (!atomic_load_explicit(&access_log, memory_order_relaxed) || !ecomd_log_enabled(level))
        return;
    char line[4096], ts[96];
    timestamp(ts, sizeof ts);
    size_t n = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\"", ts);
    add_str(line, sizeof line, &n, "level", level);
    add_str(line, sizeof line, &n, "msg", "request");
    add_str(line, sizeof line, &n, "method", ecomd_method_name(r->method));
    add_str(line, sizeof line, &n, "route", ecomd_route_label(r->route));
    size_t bytes = r->method == ECOMD_HEAD ? 0 : r->sent_len;
    int w = snprintf(line + n, sizeof line - n, ",\"status\":%u,\"duration_ms\":%.3f,\"bytes\":%zu",
                     r->status, seconds * 1000.0, bytes);
    if (w > 0 && (size_t)w < sizeof line - n) n += (size_t)w;
    if (r->status >= 400 && r->error_code[0])
        add_str(line, sizeof line, &n, "error_code", r->error_code);
    if (r->key_name) add_str(line, sizeof line, &n, "key", r->key_name);
    add_str(line, sizeof line, &n, "client", r->client[0] ? r->client : "unknown");
    add_str(line, sizeof line, &n, "request_id", r->request_id);
    add_str(line, sizeof line, &n, "trace_id", r->trace_id);
    add_str(line, sizeof line, &n, "region", r->srv->cfg.region);
    add_str(line, sizeof line, &n, "instance", r->srv->cfg.instance);
    emit(line, sizeof line, n);
}

void ecomd_mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = strlen(msg);
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r')) msg[--len] = '\0';
    ecomd_log(cls, "warn", msg, "\"source\":\"http\"");
}
