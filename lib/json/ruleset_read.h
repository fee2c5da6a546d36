/* ruleset_read.h - the ruleset document's readers, shared by the files
 * that read its parts (ruleset_json.c: settings, products, price lists;
 * promotion_json.c: promotions; tax_json.c: tax and shipping); private.
 *
 * Every reader checks its value in document order and, on failure, leaves
 * the key it was given in err's field; callers prefix their own path on
 * the way out, so the final field reads "promotions[4].action.percent". */
#ifndef EC_JSON_RULESET_READ_H
#define EC_JSON_RULESET_READ_H

#include <cjson/cJSON.h>

#include "common/internal.h"
#include "json/read.h"
#include "ruleset/model.h"

typedef struct ec__rctx {
    ec_ruleset *rs;
    ec_error *err;
} ec__rctx;

#define EC__RARRAY(c, n, type) ((type *)ec__arena_calloc(&(c)->rs->arena, (n) + 1, sizeof(type)))
#define EC__RNOMEM(c) ec__fail((c)->err, EC_NO_MEMORY, NULL, NULL)

/* Run `expr` for element i of an array, prefixing errors with key[i]. */
#define EC__REACH(c, arr, key, i, elem, expr)                                                      \
    do {                                                                                           \
        uint32_t i = 0;                                                                            \
        for (const cJSON *elem = (arr)->child; elem; elem = elem->next, i++) {                     \
            ec_status st_ = (expr);                                                                \
            if (st_ != EC_OK) {                                                                    \
                ec__error_prefix((c)->err, "%s[%u]", key, i);                                      \
                return st_;                                                                        \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* Prefix err's field with key when st is a failure; returns st. */
ec_status ec__rprefixed(ec__rctx *c, ec_status st, const char *key);

/* A string copied into the ruleset's arena; id: it must be an identifier. */
ec_status ec__rstr(ec__rctx *c, const cJSON *v, const char *key, ec__str *out, int id);
/* An identifier interned as a symbol. */
ec_status ec__rsymbol(ec__rctx *c, const cJSON *v, const char *key, uint32_t *out);
/* An optional array of identifiers, interned (absent: n == 0). */
ec_status ec__rsymset(ec__rctx *c, const cJSON *obj, const char *key, ec__symset *out);
/* An optional array of identifiers, copied (absent: NULL, 0). */
ec_status ec__rstr_list(ec__rctx *c, const cJSON *obj, const char *key, size_t max,
                        const ec__str **out, uint32_t *count);
/* valid_from and valid_to of obj. */
ec_status ec__rwindow(ec__rctx *c, const cJSON *obj, ec__window *w);
/* A money field: a string in the ruleset's currency or {"EUR": "5.00"};
 * v NULL leaves it absent. */
ec_status ec__rmoney_map(ec__rctx *c, const cJSON *v, const char *key, ec__money_map *out);

/* The parts of the document, each one array element. */
ec_status ec__read_promotion(ec__rctx *c, const cJSON *v, ec__promotion *p);
ec_status ec__read_tax(ec__rctx *c, const cJSON *v, ec__tax_entry *t);
ec_status ec__read_shipping(ec__rctx *c, const cJSON *v, ec__shipping *s);

#endif /* EC_JSON_RULESET_READ_H */
