/* version.h - the one place the libecommerce version lives.
 *
 * The Makefile reads these three numbers to name the shared object
 * (libecommerce.so.MAJOR.MINOR.PATCH, soname libecommerce.so.MAJOR) and to
 * write libecommerce.pc.  ABI changes add new _v2 names instead of changing
 * a signature in place. */
#ifndef EC_VERSION_H
#define EC_VERSION_H

#include <stdint.h>

#include "export.h"

#define EC_VERSION_MAJOR 0
#define EC_VERSION_MINOR 2
#define EC_VERSION_PATCH 0

#define EC__STR2(x) #x
#define EC__STR(x) EC__STR2(x)
#define EC_VERSION_STRING                                                                          \
    EC__STR(EC_VERSION_MAJOR) "." EC__STR(EC_VERSION_MINOR) "." EC__STR(EC_VERSION_PATCH)
#define EC_VERSION_NUMBER (EC_VERSION_MAJOR * 10000 + EC_VERSION_MINOR * 100 + EC_VERSION_PATCH)

EC_BEGIN_DECLS

/* The runtime library's version as MAJOR*10000 + MINOR*100 + PATCH.
 * Compare with EC_VERSION_NUMBER to detect a header/library mismatch. */
EC_API uint32_t ec_version_number(void);

/* The runtime library's version as "MAJOR.MINOR.PATCH"; a static string. */
EC_API const char *ec_version_string(void);

EC_END_DECLS

#endif /* EC_VERSION_H */
