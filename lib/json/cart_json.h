/* cart_json.h - the two readers of a cart document; private.
 *
 * ec_cart_from_json() tries the scanner first and falls back to the cJSON
 * reader, which alone reports errors.  Both are visible here so that the
 * fuzz target can hold one against the other. */
#ifndef EC_JSON_CART_JSON_H
#define EC_JSON_CART_JSON_H

#include <stddef.h>

#include "ecommerce/cart.h"

/* Read the plain form of a valid cart into c (which must be empty);
 * 1 when c holds the cart, 0 when the document is left to the cJSON reader
 * (c then holds part of it and must be reset). */
int ec__cart_scan(ec_cart *c, const char *json, size_t len);

/* The cJSON reader: every document, every error; c must be empty. */
ec_status ec__cart_from_json_tree(ec_cart *c, const char *json, size_t len, ec_error *err);

#endif /* EC_JSON_CART_JSON_H */
