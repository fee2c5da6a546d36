/* inventory.h - stock per SKU and location, and reservations against it
 * (docs/reference/inventory.md).
 *
 * An ec_inventory holds stock entries (on_hand, safety_stock,
 * backorder_limit per SKU and location) and reservations (lines placed at
 * locations, a status, an expiry instant and, once committed, an order).
 * Every operation of the documents is one function: set, receive, reserve,
 * commit, release, ship, expire and available.  Time is always a parameter
 * (microseconds since the Unix epoch, as ec_time_parse() gives it); the
 * library never reads a clock.
 *
 * Guarantees, for every operation:
 * - a failed operation changes nothing (also on EC_NO_MEMORY);
 * - reserve and commit never make the held quantity of a location (active
 *   unexpired and committed reservations) exceed
 *   on_hand - safety_stock + backorder_limit; only set can leave a location
 *   oversold, and then its availability is 0 while reservations keep their
 *   quantities;
 * - an active reservation past its expires_at holds no stock in any check,
 *   whether or not expire ran; its status stays "active" until expire runs.
 *
 * Cost: hash indexes by SKU, by (SKU, location) and by reservation id, held
 * quantities kept per stock entry, and a heap of active reservations by
 * expiry, so an operation costs what it touches (expire: what expires).
 *
 * An inventory is not thread-safe, queries included (they bring expiry up
 * to date); use one per thread or lock around it.
 *
 * Strings the accessors return point into the inventory (SKUs, locations,
 * ids, orders are kept for its lifetime) and stay valid until it is freed.
 *
 * The second part of this header is the JSON facade: the state document and
 * one operation document in, one result document out. */
#ifndef EC_INVENTORY_H
#define EC_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "export.h"

typedef struct ec_inventory ec_inventory;
typedef struct ec_inventory_request ec_inventory_request;
typedef struct ec_inventory_result ec_inventory_result;

/* Reservation statuses; values pinned. */
typedef enum ec_reservation_status {
    EC_RESERVATION_STATUS_ACTIVE = 0,
    EC_RESERVATION_STATUS_COMMITTED = 1,
    EC_RESERVATION_STATUS_RELEASED = 2,
    EC_RESERVATION_STATUS_EXPIRED = 3,
    EC_RESERVATION_STATUS_SHIPPED = 4
} ec_reservation_status;

/* Placement strategies of reserve; values pinned. */
typedef enum ec_inventory_strategy {
    EC_INVENTORY_PRIORITY = 0, /* fill from locations in order, splitting a line */
    EC_INVENTORY_SINGLE = 1    /* one location holds the whole line */
} ec_inventory_strategy;

/* Lines of one reservation request, and locations named in it. */
#define EC_INVENTORY_MAX_LINES 1000
#define EC_INVENTORY_MAX_LOCATIONS 1000
/* A line's quantity (1 to 1,000,000); a stored line may hold the sum of up
 * to EC_INVENTORY_MAX_LINES such quantities. */
#define EC_INVENTORY_MAX_QUANTITY 1000000
#define EC_INVENTORY_MAX_LINE_QUANTITY 1000000000
/* on_hand (in absolute value), safety_stock and backorder_limit. */
#define EC_INVENTORY_MAX_STOCK INT64_C(1000000000000000)
/* ttl_seconds of a reservation: one second to 365 days. */
#define EC_INVENTORY_MAX_TTL_SECONDS 31536000
/* Stock entries and reservations one inventory holds. */
#define EC_INVENTORY_MAX_ENTRIES 268435456

EC_BEGIN_DECLS

/* The status's name in documents ("active", ...); NULL when out of range.
 * Static storage. */
EC_API const char *ec_reservation_status_name(int32_t status);

/* ---- the inventory ------------------------------------------------------------ */

/* A new empty inventory; NULL when out of memory.  _ex uses `alloc`
 * (copied; NULL for libc) for every allocation the inventory makes.  Free
 * with ec_inventory_free(), which accepts NULL. */
EC_API ec_inventory *ec_inventory_new(void);
EC_API ec_inventory *ec_inventory_new_ex(const ec_allocator *alloc);
EC_API void ec_inventory_free(ec_inventory *inv);

/* set: a physical count.  on_hand 0..EC_INVENTORY_MAX_STOCK; safety_stock
 * and backorder_limit (0..EC_INVENTORY_MAX_STOCK) are left unchanged when
 * NULL (0 for a new entry).  Creates the entry when the SKU or location is
 * new.  `result` (may be NULL) receives the entry.  EC_INVALID_FIELD (err's
 * field names it: "sku", "on_hand", ...), EC_LIMIT_EXCEEDED, EC_NO_MEMORY,
 * EC_MISUSE for a NULL inv. */
EC_API ec_status ec_inventory_set(ec_inventory *inv, const char *sku, const char *location,
                                  int64_t on_hand, const int64_t *safety_stock,
                                  const int64_t *backorder_limit, ec_inventory_result *result,
                                  ec_error *err);

/* receive: on_hand += quantity (1..EC_INVENTORY_MAX_QUANTITY), creating the
 * entry when new.  EC_LIMIT_EXCEEDED when on_hand would pass
 * EC_INVENTORY_MAX_STOCK; otherwise as ec_inventory_set(). */
EC_API ec_status ec_inventory_receive(ec_inventory *inv, const char *sku, const char *location,
                                      int64_t quantity, ec_inventory_result *result, ec_error *err);

/* reserve: all lines of `req` or none (see ec_inventory_request_*).  Lines
 * of one SKU add up before anything is checked.  An id already used with
 * the same demand per SKU answers the existing reservation with
 * duplicate = 1 (any status); with another demand EC_IDEMPOTENCY_CONFLICT.
 * EC_INSUFFICIENT_STOCK names the first SKU (in line order) that cannot be
 * placed; the result then carries its shortage (SKU, requested, available:
 * the sum over eligible locations for priority, the most one location
 * holds for single).  Also EC_INVALID_FIELD for an incomplete request
 * ("id", "at", "ttl_seconds", "lines"), EC_LIMIT_EXCEEDED, EC_NO_MEMORY. */
EC_API ec_status ec_inventory_reserve(ec_inventory *inv, const ec_inventory_request *req,
                                      ec_inventory_result *result, ec_error *err);

/* commit the reservation `id` to `order` at at_us.  Active and unexpired:
 * committed.  Past expires_at (status active or expired): committed only
 * when every line is still available at at_us, taken again in one step;
 * else EC_RESERVATION_EXPIRED (result carries the first short line).
 * Committed to the same order: no-op (duplicate = 1); to another order, or
 * released or shipped: EC_INVALID_TRANSITION.  Unknown id: EC_NOT_FOUND. */
EC_API ec_status ec_inventory_commit(ec_inventory *inv, const char *id, const char *order,
                                     int64_t at_us, ec_inventory_result *result, ec_error *err);

/* release: active or committed -> released (its stock is free again);
 * released or expired: no-op (duplicate = 1); shipped:
 * EC_INVALID_TRANSITION.  Unknown id: EC_NOT_FOUND. */
EC_API ec_status ec_inventory_release(ec_inventory *inv, const char *id,
                                      ec_inventory_result *result, ec_error *err);

/* ship: committed -> shipped; on_hand of each line's location decreases by
 * its quantity (it may go below 0 for stock shipped on backorder).  Any
 * other status: EC_INVALID_TRANSITION.  Unknown id: EC_NOT_FOUND. */
EC_API ec_status ec_inventory_ship(ec_inventory *inv, const char *id, ec_inventory_result *result,
                                   ec_error *err);

/* Some units of one reservation, all lines of `req` or none: req gives the
 * reservation's id and lines (a SKU and its units; lines of one SKU add
 * up); its time, TTL, strategy and locations are ignored.  Units are taken
 * from the reservation's lines of that SKU in line order.
 * - ship_units: committed only; open units leave (on_hand of their
 *   location falls, they stop holding stock).
 * - release_units: active or committed; open units are given back (they
 *   stop holding stock).
 * - restock_units: any status but active; shipped units come back into
 *   stock where they left from (on_hand rises); each shipped unit once.
 * A reservation whose every unit has shipped or been released becomes
 * shipped (when any unit shipped) or released.  EC_NOT_FOUND (unknown id),
 * EC_INVALID_TRANSITION (status), EC_INVALID_FIELD ("lines" when none,
 * "lines[i].sku" for a SKU the reservation does not hold,
 * "lines[i].quantity" beyond what can move), EC_LIMIT_EXCEEDED (on_hand
 * bounds), EC_NO_MEMORY. */
EC_API ec_status ec_inventory_ship_units(ec_inventory *inv, const ec_inventory_request *req,
                                         ec_inventory_result *result, ec_error *err);
EC_API ec_status ec_inventory_release_units(ec_inventory *inv, const ec_inventory_request *req,
                                            ec_inventory_result *result, ec_error *err);
EC_API ec_status ec_inventory_restock_units(ec_inventory *inv, const ec_inventory_request *req,
                                            ec_inventory_result *result, ec_error *err);

/* expire: every active reservation with expires_at <= at_us becomes
 * expired; the result lists their ids by expires_at, then id (bytewise).
 * Costs what expires. */
EC_API ec_status ec_inventory_expire(ec_inventory *inv, int64_t at_us, ec_inventory_result *result,
                                     ec_error *err);

/* available: per location of the SKU (name order) max(0, on_hand -
 * safety_stock - held at at_us + backorder_limit), and their sum.  An
 * unknown SKU has 0 and no locations.  EC_OVERFLOW if the sum does not fit
 * in 64 bits. */
EC_API ec_status ec_inventory_available(ec_inventory *inv, const char *sku, int64_t at_us,
                                        ec_inventory_result *result, ec_error *err);

/* Read back one reservation (status as stored: an active one past its
 * expiry stays active until expire runs).  EC_NOT_FOUND when unknown. */
EC_API ec_status ec_inventory_get(const ec_inventory *inv, const char *id,
                                  ec_inventory_result *result, ec_error *err);

/* Read back one stock entry; each out pointer may be NULL.  EC_NOT_FOUND
 * when the SKU has no entry at the location. */
EC_API ec_status ec_inventory_stock(const ec_inventory *inv, const char *sku, const char *location,
                                    int64_t *on_hand, int64_t *safety_stock,
                                    int64_t *backorder_limit, ec_error *err);

/* Stock entry i (0 to ec_inventory_stock_count() - 1, in the order they
 * were added): its SKU and location (strings of the inventory).  Returns 1,
 * or 0 when i is out of range.  Levels: ec_inventory_stock(). */
EC_API int32_t ec_inventory_stock_entry(const ec_inventory *inv, size_t i, const char **sku,
                                        const char **location);

/* Number of stock entries and of reservations (every status). */
EC_API size_t ec_inventory_stock_count(const ec_inventory *inv);
EC_API size_t ec_inventory_reservation_count(const ec_inventory *inv);

/* ---- restoring a saved state ---------------------------------------------------- */

/* Add a stock entry as saved (on_hand may be negative, down to
 * -EC_INVENTORY_MAX_STOCK).  EC_INVALID_FIELD when the entry exists. */
EC_API ec_status ec_inventory_restore_stock(ec_inventory *inv, const char *sku,
                                            const char *location, int64_t on_hand,
                                            int64_t safety_stock, int64_t backorder_limit,
                                            ec_error *err);

/* Add a reservation as saved: n (1..EC_INVENTORY_MAX_LINES) lines given as
 * parallel arrays, each at an existing stock entry, quantity
 * 1..EC_INVENTORY_MAX_LINE_QUANTITY.  `order` is required for committed and
 * shipped, refused for active and expired, optional for released.  Active
 * and committed reservations hold stock from now on (capacity is not
 * checked: a saved state may be oversold).  EC_INVALID_FIELD (field
 * "lines[i].location", "order", "id" for an id in use, ...), EC_NO_MEMORY,
 * EC_LIMIT_EXCEEDED. */
EC_API ec_status ec_inventory_restore_reservation(ec_inventory *inv, const char *id, int32_t status,
                                                  int64_t expires_at_us, const char *order,
                                                  size_t n, const char *const *skus,
                                                  const char *const *locations,
                                                  const int64_t *quantities, ec_error *err);

/* What a saved reservation line went through (the state document's
 * "shipped", "released" and "returned"): line i of reservation `id`, added
 * with ec_inventory_restore_reservation().  shipped + released <= quantity,
 * returned <= shipped; EC_INVALID_FIELD ("shipped", "returned", "lines"),
 * EC_NOT_FOUND. */
EC_API ec_status ec_inventory_restore_progress(ec_inventory *inv, const char *id, size_t line,
                                               int64_t shipped, int64_t released, int64_t returned,
                                               ec_error *err);

/* Units held at an existing stock entry by reservations this inventory
 * does not hold (a service loads only the reservations an operation
 * touches, and counts the others in one figure): they count against
 * availability like any hold.  0 <= held <= EC_INVENTORY_MAX_STOCK in all;
 * EC_INVALID_FIELD ("held", "location" for an unknown entry),
 * EC_LIMIT_EXCEEDED. */
EC_API ec_status ec_inventory_restore_held(ec_inventory *inv, const char *sku, const char *location,
                                           int64_t held, ec_error *err);

/* ---- what changed ---------------------------------------------------------------------- */

/* The stock entries whose levels changed, and the reservations that were
 * made or changed, since the inventory was built or
 * ec_inventory_clear_changes(): what a caller keeping the inventory in a
 * database writes back.  Walk them with a cursor: start with 0; each call
 * returns the next cursor and fills the names (strings of the inventory),
 * or returns 0 at the end.  Newest change first.  Restoring a saved state
 * changes nothing. */
EC_API size_t ec_inventory_changed_stock(const ec_inventory *inv, size_t cursor, const char **sku,
                                         const char **location);
EC_API size_t ec_inventory_changed_reservation(const ec_inventory *inv, size_t cursor,
                                               const char **id);
EC_API void ec_inventory_clear_changes(ec_inventory *inv);

/* ---- reservation requests --------------------------------------------------------- */

/* A reusable reserve request; copies every string given to it.  Not
 * thread-safe.  _new returns NULL when out of memory; _free accepts NULL;
 * _reset forgets everything but keeps the memory.  Required: id, at, ttl and
 * at least one line; strategy defaults to priority; without locations every
 * location of a SKU is eligible, in name order. */
EC_API ec_inventory_request *ec_inventory_request_new(void);
EC_API ec_inventory_request *ec_inventory_request_new_ex(const ec_allocator *alloc);
EC_API void ec_inventory_request_free(ec_inventory_request *req);
EC_API void ec_inventory_request_reset(ec_inventory_request *req);

/* Setters validate their argument: EC_INVALID_FIELD with err's field
 * "id", "at", "ttl_seconds", "strategy", "lines[i].sku",
 * "lines[i].quantity" (1..EC_INVENTORY_MAX_QUANTITY) or "locations[i]" (a
 * location named twice is refused); EC_LIMIT_EXCEEDED past
 * EC_INVENTORY_MAX_LINES lines or EC_INVENTORY_MAX_LOCATIONS locations;
 * EC_NO_MEMORY; EC_MISUSE for a NULL req. */
EC_API ec_status ec_inventory_request_set_id(ec_inventory_request *req, const char *id,
                                             ec_error *err);
EC_API ec_status ec_inventory_request_set_at(ec_inventory_request *req, int64_t at_us,
                                             ec_error *err);
EC_API ec_status ec_inventory_request_set_ttl(ec_inventory_request *req, int64_t ttl_seconds,
                                              ec_error *err);
EC_API ec_status ec_inventory_request_set_strategy(ec_inventory_request *req, int32_t strategy,
                                                   ec_error *err);
EC_API ec_status ec_inventory_request_add_line(ec_inventory_request *req, const char *sku,
                                               int64_t quantity, ec_error *err);
EC_API ec_status ec_inventory_request_add_location(ec_inventory_request *req, const char *location,
                                                   ec_error *err);

/* Read back a request: its id (NULL when unset) and lines (NULL / 0 out
 * of range).  Strings belong to the request. */
EC_API const char *ec_inventory_request_id(const ec_inventory_request *req);
EC_API size_t ec_inventory_request_line_count(const ec_inventory_request *req);
EC_API const char *ec_inventory_request_line_sku(const ec_inventory_request *req, size_t i);
EC_API int64_t ec_inventory_request_line_quantity(const ec_inventory_request *req, size_t i);

/* ---- operation results ------------------------------------------------------------ */

/* What an operation answers; reusable across operations (each call
 * replaces the content).  A result refers to the inventory that filled it
 * (lines and names are read from it when asked for): read it while that
 * inventory lives.  Not thread-safe.  _new returns NULL when out of memory;
 * _free accepts NULL. */
EC_API ec_inventory_result *ec_inventory_result_new(void);
EC_API ec_inventory_result *ec_inventory_result_new_ex(const ec_allocator *alloc);
EC_API void ec_inventory_result_free(ec_inventory_result *result);

/* Reservation results (reserve, commit, release, ship, get): id, status
 * (-1 when none), order (NULL when none), expires_at, duplicate (1 when the
 * operation found its work already done), placed lines. */
EC_API const char *ec_inventory_result_id(const ec_inventory_result *result);
EC_API int32_t ec_inventory_result_status(const ec_inventory_result *result);
EC_API const char *ec_inventory_result_order(const ec_inventory_result *result);
EC_API int64_t ec_inventory_result_expires_at(const ec_inventory_result *result);
EC_API int32_t ec_inventory_result_duplicate(const ec_inventory_result *result);
EC_API size_t ec_inventory_result_line_count(const ec_inventory_result *result);
EC_API const char *ec_inventory_result_line_sku(const ec_inventory_result *result, size_t i);
EC_API const char *ec_inventory_result_line_location(const ec_inventory_result *result, size_t i);
EC_API int64_t ec_inventory_result_line_quantity(const ec_inventory_result *result, size_t i);
/* Of a line's quantity: units shipped, released, and returned after
 * shipping (as the reservation is now, for reservation results). */
EC_API int64_t ec_inventory_result_line_shipped(const ec_inventory_result *result, size_t i);
EC_API int64_t ec_inventory_result_line_released(const ec_inventory_result *result, size_t i);
EC_API int64_t ec_inventory_result_line_returned(const ec_inventory_result *result, size_t i);

/* Stock results (set, receive) and the SKU of available. */
EC_API const char *ec_inventory_result_sku(const ec_inventory_result *result);
EC_API const char *ec_inventory_result_location(const ec_inventory_result *result);
EC_API int64_t ec_inventory_result_on_hand(const ec_inventory_result *result);
EC_API int64_t ec_inventory_result_safety_stock(const ec_inventory_result *result);
EC_API int64_t ec_inventory_result_backorder_limit(const ec_inventory_result *result);

/* available: the total and each location's share, in name order. */
EC_API int64_t ec_inventory_result_available(const ec_inventory_result *result);
EC_API size_t ec_inventory_result_location_count(const ec_inventory_result *result);
EC_API const char *ec_inventory_result_location_name(const ec_inventory_result *result, size_t i);
EC_API int64_t ec_inventory_result_location_available(const ec_inventory_result *result, size_t i);

/* expire: the ids that expired. */
EC_API size_t ec_inventory_result_expired_count(const ec_inventory_result *result);
EC_API const char *ec_inventory_result_expired_id(const ec_inventory_result *result, size_t i);

/* After EC_INSUFFICIENT_STOCK or EC_RESERVATION_EXPIRED: the short SKU
 * (copied into the result; NULL otherwise), its location (commit only,
 * else NULL), the quantity requested and the quantity available. */
EC_API const char *ec_inventory_result_shortage_sku(const ec_inventory_result *result);
EC_API const char *ec_inventory_result_shortage_location(const ec_inventory_result *result);
EC_API int64_t ec_inventory_result_shortage_requested(const ec_inventory_result *result);
EC_API int64_t ec_inventory_result_shortage_available(const ec_inventory_result *result);

/* ---- JSON facade ------------------------------------------------------------------- */
/* The documents of docs/reference/inventory.md.  Output buffers returned through `char **out`
 * are allocated with malloc and released with ec_free(). */

/* Build an inventory from a state document {"stock": [...],
 * "reservations": [...]} (both optional).  On success *out owns it (free
 * with ec_inventory_free()); on failure *out is NULL and err names the first
 * problem ("reservations[2].lines[0].location").  `alloc` (may be NULL) is
 * used for everything the inventory keeps. */
EC_API ec_status ec_inventory_from_json(const char *json, size_t len, const ec_allocator *alloc,
                                        ec_inventory **out, ec_error *err);

/* Write the state document, compact and deterministic: stock by SKU then
 * location, reservations by id (bytewise); every stock field is written,
 * "order" only when set.  EC_NO_MEMORY, EC_MISUSE. */
EC_API ec_status ec_inventory_to_json(const ec_inventory *inv, char **out, size_t *out_len);

/* Apply one operation document ({"op": "reserve", ...}) and write its
 * result document: {"ok": true, ...} or {"ok": false, "error": {"code",
 * "message", "field"?, "sku"?, "location"?, "requested"?, "available"?}}.
 * Returns the operation's status (EC_OK or why it failed; err filled too);
 * *out holds the result document in both cases.  Only when even that
 * cannot be written (EC_NO_MEMORY, EC_MISUSE) is *out NULL. */
EC_API ec_status ec_inventory_apply_json(ec_inventory *inv, const char *op_json, size_t len,
                                         char **out, size_t *out_len, ec_error *err);

/* Reset `req` and fill it from a reserve operation document ({"op":
 * "reserve"?, "id"?, "lines", "ttl_seconds", "at", "locations"?,
 * "strategy"?}), read as ec_inventory_apply_json() reads one; "op" and "id"
 * may be left out (a reserve refuses a request without an id, so the
 * caller sets one).  On failure the request is left reset and err names
 * the field ("lines[1].quantity"). */
EC_API ec_status ec_inventory_request_from_json(ec_inventory_request *req, const char *json,
                                                size_t len, ec_error *err);

/* Write a reservation result (reserve, commit, release, ship, get and the
 * unit operations) as {"id", "duplicate", "status", "order"?, "lines",
 * "expires_at"}: the success document of ec_inventory_apply_json() without
 * its "ok".  EC_MISUSE for a result that holds no reservation. */
EC_API ec_status ec_inventory_reservation_to_json(const ec_inventory_result *result, char **out,
                                                  size_t *out_len);

/* As ec_inventory_apply_json(), but *out points into a buffer the
 * inventory owns (allocated with its allocator), valid until its next call
 * of this function or its free: a loop of operations stops allocating for
 * output.  *out (may be NULL) is NULL only on EC_NO_MEMORY or EC_MISUSE. */
EC_API ec_status ec_inventory_apply_json_view(ec_inventory *inv, const char *op_json, size_t len,
                                              const char **out, size_t *out_len, ec_error *err);

EC_END_DECLS

#endif /* EC_INVENTORY_H */
