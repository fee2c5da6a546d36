/* version.c - the runtime version. */
#include "ecommerce/version.h"

uint32_t ec_version_number(void)
{
    return EC_VERSION_NUMBER;
}
const char *ec_version_string(void)
{
    return EC_VERSION_STRING;
}
