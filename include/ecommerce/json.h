/* json.h - the JSON facade: the documents of docs/reference/ in and out.
 *
 * The CLI, the HTTP service and the FFI packages speak JSON through these
 * functions so that every surface reads and writes the same bytes.  The
 * codec sits above the domain modules: it parses a document with cJSON,
 * validates every field (unknown keys are refused, money must be quoted) and
 * builds the typed objects of ruleset.h, cart.h and pricing.h.
 *
 * Output buffers returned through `char **out` are allocated with malloc and
 * released with ec_free(). */
#ifndef EC_JSON_H
#define EC_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "cart.h"
#include "error.h"
#include "export.h"
#include "pricing.h"
#include "ruleset.h"

typedef struct ec_pricer ec_pricer;

/* Bytes of JSON the facade accepts in one document (ruleset or cart). */
#define EC_JSON_MAX_DOCUMENT (1u << 30)
/* Nesting depth refused beyond this, to bound recursion. */
#define EC_JSON_MAX_DEPTH 64

EC_BEGIN_DECLS

/* Validate and compile a ruleset document of len bytes.  On success *out
 * owns a new ruleset (free with ec_ruleset_free()); on failure *out is NULL
 * and err names the first problem ("promotions[4].action.percent").
 * `alloc` (may be NULL) is used for everything the ruleset keeps. */
EC_API ec_status ec_ruleset_from_json(const char *json, size_t len, const ec_allocator *alloc,
                                      ec_ruleset **out, ec_error *err);

/* Reset `cart` and fill it from a cart document (docs/reference/cart.md). */
EC_API ec_status ec_cart_from_json(ec_cart *cart, const char *json, size_t len, ec_error *err);

/* Write a pricing result (docs/reference/cart.md) as compact JSON.  The cart is the
 * one that was priced (its id is echoed). */
EC_API ec_status ec_price_result_to_json(const ec_price_result *result, const ec_cart *cart,
                                         char **out, size_t *out_len);

/* Write {"error": {"code", "message", "field"?}} for err. */
EC_API ec_status ec_error_to_json(const ec_error *err, char **out, size_t *out_len);

/* One call: cart document in, result document out (malloc'd, ec_free()).
 * On failure *out is NULL and err is filled; callers that want the error
 * document use ec_error_to_json(). */
EC_API ec_status ec_json_price(const ec_ruleset *rules, const char *cart_json, size_t len,
                               char **out, size_t *out_len, ec_error *err);

/* Check that `json` (len bytes) is one JSON document as every reader of
 * this library takes it: valid JSON with nothing but white space after
 * it, at most EC_JSON_MAX_DEPTH levels deep, every string and key
 * well-formed UTF-8 without NUL characters, no key twice in an object,
 * every number finite.  For callers that read small documents of their own
 * (request bodies) and want the same rules.  EC_INVALID_JSON, or
 * EC_INVALID_FIELD with the path of the offending value ("lines[2]",
 * "a.b"); EC_LIMIT_EXCEEDED, EC_NO_MEMORY. */
EC_API ec_status ec_json_check(const char *json, size_t len, ec_error *err);

/* A reusable per-thread pricer for the JSON facade: it keeps a cart, a
 * result and an output buffer between calls, so a loop of calls stops
 * allocating.  Not thread-safe; one per thread, any number per ruleset. */
EC_API ec_pricer *ec_pricer_new(void);
EC_API ec_pricer *ec_pricer_new_ex(const ec_allocator *alloc);
EC_API void ec_pricer_free(ec_pricer *pricer);

/* Price a cart document.  On success *out points to the result document
 * (owned by the pricer, valid until its next call); on failure *out points
 * to the error document and the status is returned.  Both out pointers may
 * be NULL. */
EC_API ec_status ec_pricer_price_json(ec_pricer *pricer, const ec_ruleset *rules,
                                      const char *cart_json, size_t len, const char **out,
                                      size_t *out_len, ec_error *err);

EC_END_DECLS

#endif /* EC_JSON_H */
