/* read.c - strict JSON value readers shared by the codecs. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "ecommerce/money.h"
#include "json/read.h"

const cJSON *ec__jget(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return (v && !cJSON_IsNull(v)) ? v : NULL;
}

/* Input is quoted in messages only when it is short printable ASCII, so a
 * message never carries control bytes or broken UTF-8 into a log line. */
static const char *quotable(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= 64 || (unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
            return "(not shown)";
    return s;
}

static int allowed_key(const char *k, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (strcmp(k, *allowed) == 0) return 1;
    return 0;
}

ec_status ec__jkeys(const cJSON *obj, const char *const *allowed, const char *what, ec_error *err)
{
    EC_FAIL_IF(!cJSON_IsObject(obj), err, EC_INVALID_FIELD, NULL, "%s must be an object", what);
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (!allowed_key(c->string, allowed)) {
            ec__fail(err, EC_INVALID_FIELD, NULL, "unknown key \"%s\" in %s", quotable(c->string),
                     what);
            ec__error_field(err, "%.160s", c->string);
            return EC_INVALID_FIELD;
        }
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (strcmp(d->string, c->string) == 0) {
                ec__fail(err, EC_INVALID_FIELD, NULL, "key \"%s\" appears twice",
                         quotable(c->string));
                ec__error_field(err, "%.160s", c->string);
                return EC_INVALID_FIELD;
            }
    }
    return EC_OK;
}

ec_status ec__jrequire(const cJSON *obj, const char *key, const cJSON **out, ec_error *err)
{
    *out = ec__jget(obj, key);
    EC_FAIL_IF(!*out, err, EC_INVALID_FIELD, key, "%s is required", key);
    return EC_OK;
}

ec_status ec__jstring(const cJSON *v, const char *key, const char **s, size_t *len, ec_error *err)
{
    EC_FAIL_IF(!cJSON_IsString(v), err, EC_INVALID_FIELD, key, "%s must be a string", key);
    *s = v->valuestring;
    *len = strlen(v->valuestring);
    return EC_OK;
}

ec_status ec__jid(const cJSON *v, const char *key, const char **s, size_t *len, ec_error *err)
{
    EC_TRY(ec__jstring(v, key, s, len, err));
    EC_FAIL_IF(!ec__id_valid(*s, *len), err, EC_INVALID_FIELD, key,
               "%s must be 1 to 128 bytes of UTF-8 without control characters", key);
    return EC_OK;
}

ec_status ec__jint(const cJSON *v, const char *key, int64_t min, int64_t max, int64_t *out,
                   ec_error *err)
{
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    /* doubles hold integers exactly up to 2^53; the limits here are lower */
    EC_FAIL_IF(!(d >= (double)min && d <= (double)max) || d != floor(d), err, EC_INVALID_FIELD, key,
               "%s must be an integer from %lld to %lld", key, (long long)min, (long long)max);
    *out = (int64_t)d;
    return EC_OK;
}

ec_status ec__jbool(const cJSON *v, const char *key, int *out, ec_error *err)
{
    EC_FAIL_IF(!cJSON_IsBool(v), err, EC_INVALID_FIELD, key, "%s must be true or false", key);
    *out = cJSON_IsTrue(v);
    return EC_OK;
}

ec_status ec__jtime(const cJSON *v, const char *key, int64_t *out_us, ec_error *err)
{
    const char *s = NULL;
    size_t n = 0;
    EC_TRY(ec__jstring(v, key, &s, &n, err));
    ec_status st = ec_time_parse(s, n, out_us, err);
    if (st != EC_OK) ec__error_field(err, "%s", key);
    return st;
}

ec_status ec__jpercent(const cJSON *v, const char *key, int32_t *out, ec_error *err)
{
    const char *s = NULL;
    size_t n = 0;
    EC_FAIL_IF(cJSON_IsNumber(v), err, EC_INVALID_FIELD, key,
               "%s must be a quoted decimal string such as \"12.5\"", key);
    EC_TRY(ec__jstring(v, key, &s, &n, err));
    ec_status st = ec_percent_parse(s, n, out, err);
    if (st != EC_OK) ec__error_field(err, "%s", key);
    return st;
}

ec_status ec__jmoney(const cJSON *v, const char *key, int32_t exponent, int64_t *out, ec_error *err)
{
    const char *s = NULL;
    size_t n = 0;
    EC_FAIL_IF(cJSON_IsNumber(v), err, EC_INVALID_FIELD, key,
               "money must be a quoted decimal string such as \"19.99\", not a number");
    EC_TRY(ec__jstring(v, key, &s, &n, err));
    ec_status st = ec_money_parse(s, n, exponent, out, err);
    if (st != EC_OK) ec__error_field(err, "%s", key);
    return st;
}

ec_status ec__jarray(const cJSON *v, const char *key, size_t max, size_t *n, ec_error *err)
{
    EC_FAIL_IF(!cJSON_IsArray(v), err, EC_INVALID_FIELD, key, "%s must be an array", key);
    size_t count = 0;
    for (const cJSON *c = v->child; c; c = c->next)
        EC_FAIL_IF(++count > max, err, EC_LIMIT_EXCEEDED, key, "%s holds more than %zu entries",
                   key, max);
    *n = count;
    return EC_OK;
}

ec_status ec__jenum(const cJSON *v, const char *key, const char *const *names, int *out,
                    ec_error *err)
{
    if (cJSON_IsString(v))
        for (int i = 0; names[i]; i++)
            if (strcmp(v->valuestring, names[i]) == 0) {
                *out = i;
                return EC_OK;
            }
    char list[160] = "";
    for (int i = 0; names[i]; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s\"%s\"", i ? ", " : "", names[i]);
    }
    return ec__fail(err, EC_INVALID_FIELD, key, "%s must be one of %s", key, list);
}

/* One pass over the text before cJSON sees it, for what cJSON would accept
 * silently: nesting deeper than EC_JSON_MAX_DEPTH (a document of rules or a
 * cart is never deep; a deep one is an attack on the stack), and an escaped
 * NUL (\u0000), which would cut a string short ("SKU\u0000x" would price as
 * "SKU").  Malformed text is left for cJSON to report. */
static ec_status prescan(const char *json, size_t len, ec_error *err)
{
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = json[i];
        if (in_string) {
            if (c == '"')
                in_string = 0;
            else if (c == '\\' && ++i < len && json[i] == 'u' && len - i > 4 &&
                     memcmp(json + i + 1, "0000", 4) == 0)
                return ec__fail(err, EC_INVALID_FIELD, NULL,
                                "strings may not contain NUL characters (\\u0000)");
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            EC_FAIL_IF(++depth > EC_JSON_MAX_DEPTH, err, EC_INVALID_JSON, NULL,
                       "the document is nested deeper than %d levels", EC_JSON_MAX_DEPTH);
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return EC_OK;
}

ec_status ec__jparse(const char *json, size_t len, cJSON **out, ec_error *err)
{
    EC_FAIL_IF(!json && len, err, EC_MISUSE, NULL, "document is NULL");
    EC_FAIL_IF(len > EC_JSON_MAX_DOCUMENT, err, EC_LIMIT_EXCEEDED, NULL,
               "the document is larger than %u bytes", EC_JSON_MAX_DOCUMENT);
    *out = NULL;
    if (json) EC_TRY(prescan(json, len, err));
    const char *end = NULL;
    *out = cJSON_ParseWithLengthOpts(json ? json : "", len, &end, 0);
    if (*out) {
        /* only white space may follow the value */
        size_t at = (size_t)(end - json);
        while (at < len && strchr(" \t\r\n", json[at]) && json[at]) at++;
        if (at == len) return EC_OK;
        cJSON_Delete(*out);
        *out = NULL;
        return ec__fail(err, EC_INVALID_JSON, NULL,
                        "unexpected data after the JSON value at "
                        "byte %zu",
                        at);
    }
    /* On failure cJSON leaves the error position in `end` (its global error
     * pointer is not thread-safe, so it is not read).  An allocation failure
     * looks the same, so the message names the position only. */
    size_t at = (end && json && end >= json && end <= json + len) ? (size_t)(end - json) : 0;
    return ec__fail(err, EC_INVALID_JSON, NULL, "the document is not valid JSON (near byte %zu)",
                    at);
}
