/* check.c - ec_json_check(): the facade's reading rules for documents the
 * caller reads itself.
 *
 * The parse is the facade's (ec__jparse: size, depth, escaped NULs,
 * trailing bytes); the walk adds what the typed readers check per key:
 * UTF-8 in every string and key, finite numbers, and no key twice in one
 * object (found by sorting the keys, so a document of many keys costs
 * n log n, not n squared). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "json/read.h"

static int by_key(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* The first key that appears twice in obj, or NULL. */
static ec_status twice(const cJSON *obj, const char **key)
{
    size_t n = 0;
    *key = NULL;
    for (const cJSON *c = obj->child; c; c = c->next) n++;
    if (n < 2) return EC_OK;
    const cJSON **v = malloc(n * sizeof *v);
    if (!v) return EC_NO_MEMORY;
    n = 0;
    for (const cJSON *c = obj->child; c; c = c->next) v[n++] = c;
    qsort(v, n, sizeof *v, by_key);
    for (size_t i = 1; i < n && !*key; i++)
        if (strcmp(v[i - 1]->string, v[i]->string) == 0) *key = v[i]->string;
    free(v);
    return EC_OK;
}

static ec_status fail_at(ec_error *err, const char *path, const char *msg)
{
    return ec__fail(err, EC_INVALID_FIELD, path, "%s", msg);
}

/* Check v, whose path is `path` (a buffer of EC_ERROR_FIELD_MAX bytes). */
static ec_status walk(const cJSON *v, char *path, ec_error *err)
{
    if (cJSON_IsString(v) && !ec__utf8_valid(v->valuestring, strlen(v->valuestring)))
        return fail_at(err, path, "the string is not valid UTF-8");
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
        return fail_at(err, path, "the number is out of range");
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) return EC_OK;
    const char *dup = NULL;
    size_t used = strlen(path), i = 0;
    if (cJSON_IsObject(v)) EC_TRY(twice(v, &dup));
    if (dup) {
        snprintf(path + used, EC_ERROR_FIELD_MAX - used, "%s%.120s", used ? "." : "", dup);
        return fail_at(err, path, "the key appears twice");
    }
    for (const cJSON *c = v->child; c; c = c->next, i++) {
        if (cJSON_IsObject(v) && !ec__utf8_valid(c->string, strlen(c->string)))
            return fail_at(err, path, "a key is not valid UTF-8");
        if (cJSON_IsObject(v))
            snprintf(path + used, EC_ERROR_FIELD_MAX - used, "%s%.120s", used ? "." : "",
                     c->string);
        else
            snprintf(path + used, EC_ERROR_FIELD_MAX - used, "[%zu]", i);
        EC_TRY(walk(c, path, err));
        path[used] = '\0';
    }
    return EC_OK;
}

ec_status ec_json_check(const char *json, size_t len, ec_error *err)
{
    cJSON *doc = NULL;
    EC_TRY(ec__jparse(json, len, &doc, err));
    char path[EC_ERROR_FIELD_MAX] = "";
    ec_status st = walk(doc, path, err);
    if (st == EC_NO_MEMORY) ec__fail(err, st, NULL, NULL);
    cJSON_Delete(doc);
    return st;
}
