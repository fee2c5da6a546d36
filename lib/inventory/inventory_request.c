/* inventory_request.c - the reserve request builder.
 *
 * Every setter validates its argument when it is given, so that a caller
 * building a request from a document learns which field is wrong; reserve
 * then checks only that the required parts are there. */
#include <stdio.h>
#include <string.h>

#include "inventory/inventory_internal.h"

ec_inventory_request *ec_inventory_request_new(void)
{
    return ec_inventory_request_new_ex(NULL);
}

ec_inventory_request *ec_inventory_request_new_ex(const ec_allocator *alloc)
{
    ec_inventory_request *req = ec__calloc(alloc, 1, sizeof *req);
    if (!req) return NULL;
    if (alloc) {
        req->alloc_copy = *alloc;
        req->alloc = &req->alloc_copy;
    }
    ec__arena_init(&req->arena, req->alloc, 0);
    return req;
}

void ec_inventory_request_free(ec_inventory_request *req)
{
    if (!req) return;
    ec__arena_free(&req->arena);
    ec__dealloc(req->alloc, req->lines.v);
    ec__dealloc(req->alloc, req->locations.v);
    ec_allocator copy = req->alloc_copy;
    ec__dealloc(req->alloc ? &copy : NULL, req);
}

void ec_inventory_request_reset(ec_inventory_request *req)
{
    if (!req) return;
    ec__arena_reset(&req->arena);
    req->id = (ec__inv_name){NULL, 0};
    req->at = req->ttl = 0;
    req->has_at = req->has_ttl = 0;
    req->strategy = EC_INVENTORY_PRIORITY;
    req->lines.n = req->locations.n = 0;
}

static ec_status copy(ec_inventory_request *req, const char *s, size_t n, ec__inv_name *out,
                      ec_error *err)
{
    char *p = ec__arena_strndup(&req->arena, s, n);
    EC_FAIL_IF(!p, err, EC_NO_MEMORY, NULL, NULL);
    *out = (ec__inv_name){p, (uint32_t)n};
    return EC_OK;
}

ec_status ec_inventory_request_set_id(ec_inventory_request *req, const char *id, ec_error *err)
{
    size_t n = 0;
    EC_FAIL_IF(!req, err, EC_MISUSE, NULL, "request is NULL");
    EC_TRY(ec__inv_check_id(id, "id", &n, err));
    return copy(req, id, n, &req->id, err);
}

ec_status ec_inventory_request_set_at(ec_inventory_request *req, int64_t at_us, ec_error *err)
{
    EC_FAIL_IF(!req, err, EC_MISUSE, NULL, "request is NULL");
    req->at = at_us;
    req->has_at = 1;
    return EC_OK;
}

ec_status ec_inventory_request_set_ttl(ec_inventory_request *req, int64_t ttl_seconds,
                                       ec_error *err)
{
    EC_FAIL_IF(!req, err, EC_MISUSE, NULL, "request is NULL");
    EC_FAIL_IF(ttl_seconds < 1 || ttl_seconds > EC_INVENTORY_MAX_TTL_SECONDS, err, EC_INVALID_FIELD,
               "ttl_seconds", "ttl_seconds must be an integer from 1 to %d",
               EC_INVENTORY_MAX_TTL_SECONDS);
    req->ttl = ttl_seconds;
    req->has_ttl = 1;
    return EC_OK;
}

ec_status ec_inventory_request_set_strategy(ec_inventory_request *req, int32_t strategy,
                                            ec_error *err)
{
    EC_FAIL_IF(!req, err, EC_MISUSE, NULL, "request is NULL");
    EC_FAIL_IF(strategy != EC_INVENTORY_PRIORITY && strategy != EC_INVENTORY_SINGLE, err,
               EC_INVALID_FIELD, "strategy", "strategy must be \"priority\" or \"single\"");
    req->strategy = strategy;
    return EC_OK;
}

ec_status ec_inventory_request_add_line(ec_inventory_request *req, const char *sku,
                                        int64_t quantity, ec_error *err)
{
    EC_FAIL_IF(!req, err, EC_MISUSE, NULL, "request is NULL");
    size_t i = req->lines.n, n = 0;
    EC_FAIL_IF(i >= EC_INVENTORY_MAX_LINES, err, EC_LIMIT_EXCEEDED, "lines",
               "a reservation has at most %d lines", EC_INVENTORY_MAX_LINES);
    ec_status st = ec__inv_check_id(sku, "sku", &n, err);
    if (st == EC_OK && (quantity < 1 || quantity > EC_INVENTORY_MAX_QUANTITY))
        st = ec__fail(err, EC_INVALID_FIELD, "quantity", "quantity must be an integer from 1 to %d",
                      EC_INVENTORY_MAX_QUANTITY);
    if (st == EC_OK && !EC__INV_VEC_FIT(req->alloc, req->lines, i + 1))
        st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    ec__inv_name name = {NULL, 0};
    if (st == EC_OK) st = copy(req, sku, n, &name, err);
    if (st != EC_OK) {
        ec__error_prefix(err, "lines[%zu]", i);
        return st;
    }
    req->lines.v[req->lines.n++] = (ec__inv_req_line){name, quantity};
    return EC_OK;
}

ec_status ec_inventory_request_add_location(ec_inventory_request *req, const char *location,
                                            ec_error *err)
{
    EC_FAIL_IF(!req, err, EC_MISUSE, NULL, "request is NULL");
    size_t i = req->locations.n, n = 0;
    char field[40];
    snprintf(field, sizeof field, "locations[%zu]", i);
    EC_FAIL_IF(i >= EC_INVENTORY_MAX_LOCATIONS, err, EC_LIMIT_EXCEEDED, "locations",
               "a reservation names at most %d locations", EC_INVENTORY_MAX_LOCATIONS);
    EC_TRY(ec__inv_check_id(location, field, &n, err));
    for (size_t k = 0; k < i; k++)
        EC_FAIL_IF(req->locations.v[k].n == n && memcmp(req->locations.v[k].p, location, n) == 0,
                   err, EC_INVALID_FIELD, field, "location \"%.128s\" is named twice", location);
    EC_FAIL_IF(!EC__INV_VEC_FIT(req->alloc, req->locations, i + 1), err, EC_NO_MEMORY, NULL, NULL);
    ec__inv_name name = {NULL, 0};
    EC_TRY(copy(req, location, n, &name, err));
    req->locations.v[req->locations.n++] = name;
    return EC_OK;
}

const char *ec_inventory_request_id(const ec_inventory_request *req)
{
    return req && req->id.n ? req->id.p : NULL;
}

size_t ec_inventory_request_line_count(const ec_inventory_request *req)
{
    return req ? req->lines.n : 0;
}

const char *ec_inventory_request_line_sku(const ec_inventory_request *req, size_t i)
{
    return req && i < req->lines.n ? req->lines.v[i].sku.p : NULL;
}

int64_t ec_inventory_request_line_quantity(const ec_inventory_request *req, size_t i)
{
    return req && i < req->lines.n ? req->lines.v[i].qty : 0;
}
