/* router.c - the route table and path matching.
 *
 * Routes are data: a pattern, a method, the least role, whether a JSON body
 * is taken, and a handler.  A pattern segment "{name}" matches one non-empty
 * path segment, percent-decoded; a segment that decodes to anything but
 * UTF-8 text without control characters (a stray %FF, a %00) matches
 * nothing, so such a path is 404 before any handler or store sees it.  The pattern doubles as the
 * route label of logs and metrics, so label cardinality stays bounded by the table. */
#include <string.h>

#include "ecomd.h"
#include "request_head.h"

static const ecomd_route routes[] = {
    {"/healthz", ECOMD_GET, ECOMD_ROLE_NONE, 0, ecomd_h_healthz},
    {"/readyz", ECOMD_GET, ECOMD_ROLE_NONE, 0, ecomd_h_readyz},
    {"/metrics", ECOMD_GET, ECOMD_ROLE_NONE, 0, ecomd_h_metrics},
    {"/v1/version", ECOMD_GET, ECOMD_ROLE_NONE, 0, ecomd_h_version},
    {"/v1/price", ECOMD_POST, ECOMD_ROLE_CLIENT, 1, ecomd_h_price},
    {"/v1/rules", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_rules_get},
    {"/v1/rules", ECOMD_PUT, ECOMD_ROLE_ADMIN, 1, ecomd_h_rules_put},
    {"/v1/events", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_events},
    {"/v1/carts", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_carts_list},
    {"/v1/carts", ECOMD_POST, ECOMD_ROLE_CLIENT, 1, ecomd_h_carts_post},
    {"/v1/carts/{id}", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_cart_get},
    {"/v1/carts/{id}", ECOMD_PATCH, ECOMD_ROLE_CLIENT, 1, ecomd_h_cart_patch},
    {"/v1/carts/{id}/lines/{sku}", ECOMD_PUT, ECOMD_ROLE_CLIENT, 1, ecomd_h_cart_line_put},
    {"/v1/carts/{id}/coupons", ECOMD_POST, ECOMD_ROLE_CLIENT, 1, ecomd_h_cart_coupon_post},
    {"/v1/carts/{id}/coupons/{code}", ECOMD_DELETE, ECOMD_ROLE_CLIENT, 0,
     ecomd_h_cart_coupon_delete},
    {"/v1/orders", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_orders_list},
    {"/v1/orders", ECOMD_POST, ECOMD_ROLE_CLIENT, 1, ecomd_h_orders_post},
    {"/v1/orders/{id}", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_order_get},
    {"/v1/orders/{id}/events", ECOMD_POST, ECOMD_ROLE_CLIENT, 1, ecomd_h_order_events_post},
    {"/v1/stock/{sku}/{location}", ECOMD_PUT, ECOMD_ROLE_ADMIN, 1, ecomd_h_stock_put},
    {"/v1/stock/{sku}", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_stock_get},
    {"/v1/reservations", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_reservations_list},
    {"/v1/reservations", ECOMD_POST, ECOMD_ROLE_CLIENT, 1, ecomd_h_reservations_post},
    {"/v1/reservations/{id}", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_reservation_get},
    {"/v1/reservations/{id}/release", ECOMD_POST, ECOMD_ROLE_CLIENT, 0,
     ecomd_h_reservation_release},
    {"/v1/transfers", ECOMD_POST, ECOMD_ROLE_ADMIN, 1, ecomd_h_transfers_post},
    {"/v1/regions", ECOMD_GET, ECOMD_ROLE_CLIENT, 0, ecomd_h_regions_get},
    {"/v1/regions/{region}/recover", ECOMD_POST, ECOMD_ROLE_ADMIN, 1, ecomd_h_region_recover},
};
#define NROUTES ((int)(sizeof routes / sizeof routes[0]))

static const char *const method_names[ECOMD_METHOD_COUNT] = {"GET",    "POST", "PUT",     "PATCH",
                                                             "DELETE", "HEAD", "OPTIONS", "OTHER"};

int ecomd_route_probe(int found)
{
    int i = found >= 0 ? found : found == ECOMD_NO_ROUTE ? -1 : -found - 1;
    return i >= 0 && i < NROUTES && routes[i].role == ECOMD_ROLE_NONE &&
           strncmp(routes[i].pattern, "/v1/", 4) != 0;
}

int ecomd_route_count(void)
{
    return NROUTES;
}

const char *ecomd_route_label(int i)
{
    return i >= 0 && i < NROUTES ? routes[i].pattern : "unmatched";
}

const ecomd_route *ecomd_route_get(int i)
{
    return i >= 0 && i < NROUTES ? &routes[i] : NULL;
}

const char *ecomd_method_name(int method)
{
    return method >= 0 && method < ECOMD_METHOD_COUNT ? method_names[method] : "OTHER";
}

int ecomd_method_id(const char *name)
{
    for (int i = 0; i < ECOMD_OTHER; i++)
        if (strcmp(name, method_names[i]) == 0) return i;
    return ECOMD_OTHER;
}

/* Match path against pattern, filling params; 1 on a match. */
static int match(const char *pattern, const char *path, char params[][ECOMD_PARAM_MAX],
                 size_t *nparams)
{
    size_t np = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/') return 0;
        pattern++, path++;
        size_t plen = strcspn(pattern, "/"), slen = strcspn(path, "/");
        if (pattern[0] == '{') {
            if (np == ECOMD_MAX_PARAMS ||
                !ecomd_decode_segment(path, slen, params[np], ECOMD_PARAM_MAX))
                return 0;
            np++;
        } else if (plen != slen || memcmp(pattern, path, plen) != 0) {
            return 0;
        }
        pattern += plen, path += slen;
    }
    if (*pattern || *path) return 0;
    *nparams = np;
    return 1;
}

/* Append ", name" (or name first) when it fits. */
static void allow_add(char *allow, size_t size, const char *name)
{
    size_t used = strlen(allow);
    if (used + strlen(name) + 3 >= size) return;
    if (used) strcat(allow, ", ");
    strcat(allow, name);
}

/* HEAD is GET without the body: it runs the GET route, so every GET route
 * answers it with the same status and headers.  OPTIONS is answered for
 * every path that exists (server.c), so it is never a route of its own and
 * always ends the Allow list. */
int ecomd_route_find(int method, const char *path, char params[][ECOMD_PARAM_MAX], size_t *nparams,
                     char *allow, size_t allow_size)
{
    int path_route = -1;
    int want = method == ECOMD_HEAD ? ECOMD_GET : method;
    allow[0] = '\0';
    for (int i = 0; i < NROUTES; i++) {
        if (!match(routes[i].pattern, path, params, nparams)) continue;
        if (routes[i].method == want) return i;
        if (path_route < 0) path_route = i;
        allow_add(allow, allow_size, method_names[routes[i].method]);
        if (routes[i].method == ECOMD_GET) allow_add(allow, allow_size, "HEAD");
    }
    if (path_route < 0) return ECOMD_NO_ROUTE;
    allow_add(allow, allow_size, "OPTIONS");
    return -path_route - 1;
}
