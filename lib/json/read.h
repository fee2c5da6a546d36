/* read.h - strict reading of JSON values for the codecs; private.
 *
 * Each reader checks one value and, on failure, sets err's field to the
 * key it was given; callers prefix the path on the way out
 * (ec__error_prefix), so the final field reads "promotions[4].action.percent".
 * A key given as JSON null counts as absent (docs/reference/conventions.md). */
#ifndef EC_JSON_READ_H
#define EC_JSON_READ_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "ecommerce/error.h"

/* The member `key` of obj, or NULL when absent or null. */
const cJSON *ec__jget(const cJSON *obj, const char *key);

/* obj must be an object whose keys are all in `allowed` (NULL-terminated),
 * each at most once. */
ec_status ec__jkeys(const cJSON *obj, const char *const *allowed, const char *what, ec_error *err);

/* A required member: EC_INVALID_FIELD naming key when absent. */
ec_status ec__jrequire(const cJSON *obj, const char *key, const cJSON **out, ec_error *err);

ec_status ec__jstring(const cJSON *v, const char *key, const char **s, size_t *len, ec_error *err);
/* An identifier: 1..128 bytes of UTF-8 without control characters. */
ec_status ec__jid(const cJSON *v, const char *key, const char **s, size_t *len, ec_error *err);
/* A JSON integer in [min, max]. */
ec_status ec__jint(const cJSON *v, const char *key, int64_t min, int64_t max, int64_t *out,
                   ec_error *err);
ec_status ec__jbool(const cJSON *v, const char *key, int *out, ec_error *err);
ec_status ec__jtime(const cJSON *v, const char *key, int64_t *out_us, ec_error *err);
ec_status ec__jpercent(const cJSON *v, const char *key, int32_t *out, ec_error *err);
/* Money string in a currency of the given exponent; numbers are refused
 * with a message that says to quote them. */
ec_status ec__jmoney(const cJSON *v, const char *key, int32_t exponent, int64_t *out,
                     ec_error *err);
/* An array of at most max elements; *n receives the count. */
ec_status ec__jarray(const cJSON *v, const char *key, size_t max, size_t *n, ec_error *err);
/* One of the names; *out receives its index. */
ec_status ec__jenum(const cJSON *v, const char *key, const char *const *names, int *out,
                    ec_error *err);

/* Parse a whole document (len bytes, NUL not required). */
ec_status ec__jparse(const char *json, size_t len, cJSON **out, ec_error *err);

#endif /* EC_JSON_READ_H */
