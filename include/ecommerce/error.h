/* error.h - status codes and error detail.
 *
 * Every fallible function returns an ec_status and, when the caller passes a
 * non-NULL ec_error, fills it with the code, the path of the offending field
 * ("lines[3].quantity", "" when no single field is at fault) and a message a
 * person can act on.  There is no global or thread-local "last error".
 *
 * EC_STATUS_MAP is the one table of codes: values are pinned and append-only;
 * the names are the code strings of the JSON error document. */
#ifndef EC_ERROR_H
#define EC_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"

/* X(value, NAME, "code", "default message") */
#define EC_STATUS_MAP(X)                                                                           \
    X(0, OK, "ok", "success")                                                                      \
    X(1, INVALID_JSON, "invalid_json", "the document is not valid JSON")                           \
    X(2, INVALID_FIELD, "invalid_field", "a field is missing or invalid")                          \
    X(3, UNKNOWN_CURRENCY, "unknown_currency", "unknown currency code")                            \
    X(4, NO_PRICE, "no_price", "no price in the cart's currency")                                  \
    X(5, NO_TAX_RATE, "no_tax_rate", "no tax rate for the category and country")                   \
    X(6, UNKNOWN_SHIPPING_METHOD, "unknown_shipping_method", "unknown shipping method")            \
    X(7, SHIPPING_UNAVAILABLE, "shipping_unavailable",                                             \
      "the shipping method does not serve this country")                                           \
    X(8, OVERFLOW, "overflow", "an amount does not fit in 64 bits")                                \
    X(9, LIMIT_EXCEEDED, "limit_exceeded", "a size limit was exceeded")                            \
    X(10, INVALID_TRANSITION, "invalid_transition",                                                \
      "the transition is not allowed in the current state")                                        \
    X(11, VERSION_CONFLICT, "version_conflict", "the version does not match")                      \
    X(12, IDEMPOTENCY_CONFLICT, "idempotency_conflict",                                            \
      "the id was already used with different content")                                            \
    X(13, INSUFFICIENT_STOCK, "insufficient_stock", "not enough stock")                            \
    X(14, RESERVATION_EXPIRED, "reservation_expired", "the reservation expired")                   \
    X(15, NOT_FOUND, "not_found", "not found")                                                     \
    X(16, UNAUTHORIZED, "unauthorized", "authentication required")                                 \
    X(17, FORBIDDEN, "forbidden", "not allowed for this key")                                      \
    X(18, PAYLOAD_TOO_LARGE, "payload_too_large", "the payload is too large")                      \
    X(19, UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "unsupported media type")              \
    X(20, UNAVAILABLE, "unavailable", "the service is unavailable")                                \
    X(21, INTERNAL, "internal", "internal error")                                                  \
    X(22, NO_MEMORY, "no_memory", "out of memory")                                                 \
    X(23, MISUSE, "misuse", "invalid argument to a library function")

typedef enum ec_status {
#define EC__STATUS_ENUM(v, name, code, msg) EC_##name = v,
    EC_STATUS_MAP(EC__STATUS_ENUM)
#undef EC__STATUS_ENUM
        EC__STATUS_COUNT
} ec_status;

#define EC_ERROR_FIELD_MAX 192
#define EC_ERROR_MESSAGE_MAX 256

/* Caller-allocated error detail, like jansson's json_error_t.  Strings are
 * always NUL-terminated; long values are truncated.  FFI callers allocate
 * ec_error_size() bytes and read it through the accessors below. */
typedef struct ec_error {
    int32_t code;                   /* an ec_status */
    char field[EC_ERROR_FIELD_MAX]; /* "" when no single field */
    char message[EC_ERROR_MESSAGE_MAX];
} ec_error;

EC_BEGIN_DECLS

/* The spec's code string for a status ("invalid_field"); "unknown" for a
 * value outside the table.  Static storage. */
EC_API const char *ec_status_name(int32_t status);

/* The default message for a status; static storage. */
EC_API const char *ec_status_message(int32_t status);

/* sizeof(ec_error), for FFI callers that allocate it themselves. */
EC_API size_t ec_error_size(void);

/* Reset an error to EC_OK with empty field and message.  NULL is ignored. */
EC_API void ec_error_clear(ec_error *err);

/* Accessors for FFI callers; NULL yields EC_MISUSE / "". */
EC_API int32_t ec_error_code(const ec_error *err);
EC_API const char *ec_error_field(const ec_error *err);
EC_API const char *ec_error_message(const ec_error *err);

/* Copy len bytes of src into dst (cap bytes, always NUL-terminated when cap
 * is not 0) as valid UTF-8: each byte that does not start a well-formed
 * sequence (malformed, overlong, a surrogate, beyond U+10FFFF) becomes
 * U+FFFD, and a character that does not fit whole is left out.  For callers
 * that quote input bytes in an error, a log line or a document, which must
 * be UTF-8 (the library's own messages never quote input that is not
 * printable ASCII).  Returns the bytes written, without the NUL. */
EC_API size_t ec_utf8_clean(char *dst, size_t cap, const char *src, size_t len);

EC_END_DECLS

#endif /* EC_ERROR_H */
