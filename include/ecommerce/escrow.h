/* escrow.h - region-local stock rights: one stock sold from several
 * regions, each with its own database, never oversold.
 *
 * The escrow method (O'Neil, 1986) and bounded counters (Balegas et al.,
 * 2015): a SKU's sellable quantity is split into rights held by each
 * region; a region sells only against the rights it holds, with no
 * coordination; rights move between regions by transfers that are debited
 * in one region and credited in another exactly once.  No region can spend
 * rights it does not hold, so the regions together never sell more than
 * the stock, whether or not they can reach each other.
 *
 * The rights are the inventory's.  Each region keeps its own ec_inventory,
 * whose stock entries are the region's share of each location's stock: a
 * region's rights for a SKU are what its inventory can still reserve
 * (ec_inventory_available), and nothing here counts them twice.
 * Reserving and committing spend them, releasing and expiry give them
 * back, shipping takes the sold units out, receiving and setting stock
 * grant them in the region that does it (where the stock is).  A region's
 * reservation is therefore checked, in its own transaction, by the
 * inventory against its own share, and never waits on another region.
 *
 * Transfers.  ec_escrow_debit() lowers the sender's share of a SKU at the
 * locations with units to spare and records the transfer, pending; the
 * transfer travels (in flight); ec_escrow_credit() raises the receiver's
 * share at the same locations; ec_escrow_acknowledge() marks it delivered
 * at the sender once the receiver has said so.  Both sides are idempotent
 * by the transfer's id, so a transfer sent twice, out of order, or long
 * after it was debited (a partition) is credited once.  For every SKU:
 *
 *     rights held by the regions + units in flight
 *         + units reserved or committed in the regions = sellable stock
 *
 * where the sellable stock changes only by receiving, setting and
 * shipping.  A debit never takes units that are held, so no region's
 * rights go below zero.
 *
 * An ec_escrow is one region's ledger: the transfers it debited and
 * credited, and the regions it declared lost.  A service that keeps it in
 * a database loads only what an operation touches (ec_escrow_restore) and
 * writes back what changed (ec_escrow_changed).  ec_escrow_transfer is a
 * transfer's content; ec_escrow_plan the rebalancing policy, which
 * proposes transfers toward demand; ec_escrow_message the document regions
 * exchange (transfers, acknowledgements, each region's figures), with its
 * JSON facade at the end.
 *
 * None of these objects is thread-safe; they are used by one thread at a
 * time.  Times are microseconds since the Unix epoch, always parameters.
 * Names (ids, regions, SKUs, locations) are identifiers: 1 to 128 bytes of
 * UTF-8 without control characters. */
#ifndef EC_ESCROW_H
#define EC_ESCROW_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "export.h"
#include "inventory.h"

typedef struct ec_escrow ec_escrow;
typedef struct ec_escrow_transfer ec_escrow_transfer;
typedef struct ec_escrow_plan ec_escrow_plan;
typedef struct ec_escrow_message ec_escrow_message;

/* Where a transfer stands in a ledger; values pinned.  The sender's
 * transfers are pending (debited, not acknowledged), delivered or canceled
 * (taken back from a region declared lost); the receiver's are credited. */
typedef enum ec_escrow_status {
    EC_ESCROW_PENDING = 0,
    EC_ESCROW_DELIVERED = 1,
    EC_ESCROW_CREDITED = 2,
    EC_ESCROW_CANCELED = 3
} ec_escrow_status;

/* What a transfer is; values pinned.  A recovery is credited by an
 * operator for a region declared lost: the rights that region held. */
typedef enum ec_escrow_kind { EC_ESCROW_TRANSFER = 0, EC_ESCROW_RECOVERY = 1 } ec_escrow_kind;

/* Locations in one transfer, units in one transfer, regions in one plan,
 * and items of each kind in one message. */
#define EC_ESCROW_MAX_LINES 64
#define EC_ESCROW_MAX_QUANTITY INT64_C(1000000000)
#define EC_ESCROW_MAX_REGIONS 64
#define EC_ESCROW_MAX_ITEMS 1000
/* Seconds of a plan's horizon and demand window: one to 30 days. */
#define EC_ESCROW_MAX_SECONDS 2592000

EC_BEGIN_DECLS

/* The names of statuses and kinds in documents ("pending", "recovery");
 * NULL when out of range.  Static storage. */
EC_API const char *ec_escrow_status_name(int32_t status);
EC_API const char *ec_escrow_kind_name(int32_t kind);

/* ---- a transfer ------------------------------------------------------------------------ */

/* A transfer's content: id, kind, the regions it leaves and reaches, the
 * SKU, when it was debited, and its lines (a location and the units taken
 * there; locations distinct).  _new returns NULL when out of memory; _free
 * accepts NULL; _reset forgets everything but keeps the memory. */
EC_API ec_escrow_transfer *ec_escrow_transfer_new(void);
EC_API ec_escrow_transfer *ec_escrow_transfer_new_ex(const ec_allocator *alloc);
EC_API void ec_escrow_transfer_free(ec_escrow_transfer *t);
EC_API void ec_escrow_transfer_reset(ec_escrow_transfer *t);

/* Set everything but the lines (which stay).  EC_INVALID_FIELD naming
 * "id", "kind", "from", "to" (also when it equals from), "sku" or "at"
 * (years 0000 to 9999); EC_MISUSE for a NULL t. */
EC_API ec_status ec_escrow_transfer_set(ec_escrow_transfer *t, const char *id, int32_t kind,
                                        const char *from, const char *to, const char *sku,
                                        int64_t at_us, ec_error *err);
/* Add a line: EC_INVALID_FIELD "lines[i].location" (invalid, or named
 * before), "lines[i].quantity" (1 to EC_ESCROW_MAX_QUANTITY, and the
 * transfer's total within it too); EC_LIMIT_EXCEEDED past
 * EC_ESCROW_MAX_LINES; EC_NO_MEMORY. */
EC_API ec_status ec_escrow_transfer_add_line(ec_escrow_transfer *t, const char *location,
                                             int64_t quantity, ec_error *err);

/* Read back; strings belong to t (NULL before set, or out of range). */
EC_API const char *ec_escrow_transfer_id(const ec_escrow_transfer *t);
EC_API int32_t ec_escrow_transfer_kind(const ec_escrow_transfer *t);
EC_API const char *ec_escrow_transfer_from(const ec_escrow_transfer *t);
EC_API const char *ec_escrow_transfer_to(const ec_escrow_transfer *t);
EC_API const char *ec_escrow_transfer_sku(const ec_escrow_transfer *t);
EC_API int64_t ec_escrow_transfer_at(const ec_escrow_transfer *t);
/* The sum of its lines. */
EC_API int64_t ec_escrow_transfer_quantity(const ec_escrow_transfer *t);
EC_API size_t ec_escrow_transfer_line_count(const ec_escrow_transfer *t);
EC_API const char *ec_escrow_transfer_line_location(const ec_escrow_transfer *t, size_t i);
EC_API int64_t ec_escrow_transfer_line_quantity(const ec_escrow_transfer *t, size_t i);

/* ---- a region's ledger ---------------------------------------------------------------- */

/* An empty ledger of region `region`; NULL when the name is not an
 * identifier or memory runs out.  _ex uses `alloc` (copied; NULL for libc)
 * for everything it keeps.  Free with ec_escrow_free() (NULL is ignored). */
EC_API ec_escrow *ec_escrow_new(const char *region);
EC_API ec_escrow *ec_escrow_new_ex(const char *region, const ec_allocator *alloc);
EC_API void ec_escrow_free(ec_escrow *e);
/* The region's name (a string of the ledger). */
EC_API const char *ec_escrow_region(const ec_escrow *e);

/* Add a transfer as saved (copied): one this region sent (from it:
 * pending, delivered or canceled) or credited (to it: credited).
 * EC_INVALID_FIELD "id" (twice in the ledger), "status" (not one its
 * direction can have), "from"/"to" (the region is neither), or the
 * transfer's own field when it is incomplete ("lines" without any);
 * EC_NO_MEMORY.  Restoring changes nothing (ec_escrow_changed). */
EC_API ec_status ec_escrow_restore(ec_escrow *e, const ec_escrow_transfer *t, int32_t status,
                                   ec_error *err);
/* Add a region as saved declared lost.  EC_INVALID_FIELD "region" (not an
 * identifier, or this region), EC_NO_MEMORY. */
EC_API ec_status ec_escrow_restore_lost(ec_escrow *e, const char *region, ec_error *err);

/* Debit: move `quantity` rights of `sku` out of `inv` (this region's
 * inventory) for transfer `id` to region `to`, at at_us.  The units come
 * from the SKU's locations with the most to spare first (then by name);
 * what a location spares is its availability at at_us, never more than
 * its on_hand (backorder capacity is not transferred) and never what
 * reservations hold.  The transfer is recorded pending; *out (may be NULL)
 * receives it (a transfer of the ledger, valid while it lives).  An id
 * already debited with the same SKU, receiver and quantity answers that
 * transfer with *duplicate = 1 (may be NULL) and changes nothing.
 * EC_INVALID_FIELD ("id", "sku", "to": this region, "quantity": 1 to
 * EC_ESCROW_MAX_QUANTITY, "at"); EC_INVALID_TRANSITION "to" for a region
 * declared lost; EC_IDEMPOTENCY_CONFLICT "id" for an id used otherwise;
 * EC_INSUFFICIENT_STOCK "quantity" when fewer units can be spared (the
 * message says how many); EC_LIMIT_EXCEEDED when the units would come
 * from more than EC_ESCROW_MAX_LINES locations; EC_NO_MEMORY.  A failure
 * changes neither the ledger nor the inventory. */
EC_API ec_status ec_escrow_debit(ec_escrow *e, ec_inventory *inv, const char *id, const char *sku,
                                 const char *to, int64_t quantity, int64_t at_us,
                                 const ec_escrow_transfer **out, int32_t *duplicate, ec_error *err);

/* Credit: add transfer t's units to `inv` at its locations (entries are
 * created as needed) and record it credited.  t must be addressed to this
 * region.  A transfer is taken from a region declared lost only when it
 * is a recovery, and a recovery only from such a region.  An id already
 * credited with the same content is a duplicate (*duplicate = 1, nothing
 * changes).  EC_INVALID_FIELD ("to", "lines", or t's incomplete field),
 * EC_INVALID_TRANSITION "from" (lost region, or a recovery from a region
 * that is not), EC_IDEMPOTENCY_CONFLICT "id", EC_LIMIT_EXCEEDED (on_hand
 * beyond EC_INVENTORY_MAX_STOCK), EC_NO_MEMORY.  All or nothing. */
EC_API ec_status ec_escrow_credit(ec_escrow *e, ec_inventory *inv, const ec_escrow_transfer *t,
                                  int32_t *duplicate, ec_error *err);

/* Acknowledge: the receiver credited transfer `id`; pending -> delivered
 * (delivered again: *duplicate = 1).  EC_NOT_FOUND "id" when the ledger
 * does not hold it as sent; EC_INVALID_TRANSITION "id" when it was
 * canceled (the receiver credited what was taken back: rights were
 * counted twice, which an operator must look at). */
EC_API ec_status ec_escrow_acknowledge(ec_escrow *e, const char *id, int32_t *duplicate,
                                       ec_error *err);

/* Declare region `region` lost for good: from now on its transfers are
 * refused (but recoveries, see ec_escrow_credit) and none is sent to it;
 * every pending transfer to it that the ledger holds is taken back (its
 * units return to `inv` where they were taken, it becomes canceled), so
 * the caller restores all of them first.  Declared before: *duplicate = 1
 * and only the pending transfers left are taken back.  EC_INVALID_FIELD
 * "region", EC_LIMIT_EXCEEDED, EC_NO_MEMORY; all or nothing. */
EC_API ec_status ec_escrow_declare_lost(ec_escrow *e, ec_inventory *inv, const char *region,
                                        int32_t *duplicate, ec_error *err);
/* 1 when `region` was declared lost. */
EC_API int32_t ec_escrow_lost(const ec_escrow *e, const char *region);

/* Units of the pending transfers of `sku` to region `to` (NULL: to any)
 * that the ledger holds. */
EC_API int64_t ec_escrow_in_flight(const ec_escrow *e, const char *sku, const char *to);

/* A transfer of the ledger by id: its content (valid while the ledger
 * lives) and status.  EC_NOT_FOUND when absent. */
EC_API ec_status ec_escrow_find(const ec_escrow *e, const char *id, const ec_escrow_transfer **t,
                                int32_t *status, ec_error *err);
/* Transfers the ledger holds, by index (0 to count - 1, in the order they
 * came); returns 0 out of range. */
EC_API size_t ec_escrow_count(const ec_escrow *e);
EC_API int32_t ec_escrow_entry(const ec_escrow *e, size_t i, const ec_escrow_transfer **t,
                               int32_t *status);

/* What changed since the ledger was built or ec_escrow_clear_changes():
 * transfers debited, credited, acknowledged or canceled, and regions
 * declared lost; walk with a cursor from 0 (each call returns the next,
 * 0 at the end), newest first. */
EC_API size_t ec_escrow_changed(const ec_escrow *e, size_t cursor, const ec_escrow_transfer **t,
                                int32_t *status);
EC_API size_t ec_escrow_changed_lost(const ec_escrow *e, size_t cursor, const char **region);
EC_API void ec_escrow_clear_changes(ec_escrow *e);

/* This region's rights for `sku` at at_us (what `inv` can reserve, the
 * sum over locations) and how many of them a debit can take (*spare:
 * availability capped at on_hand per location).  Either out pointer may be
 * NULL.  An unknown SKU has 0.  EC_INVALID_FIELD "sku", EC_OVERFLOW. */
EC_API ec_status ec_escrow_rights(ec_inventory *inv, const char *sku, int64_t at_us,
                                  int64_t *rights, int64_t *spare, ec_error *err);

/* ---- rebalancing --------------------------------------------------------------------------- */

/* The policy that moves rights toward demand, for one SKU at a time.
 * Each region is given its rights (exact for the planning region, as last
 * reported for the others), its demand (units asked for over the demand
 * window, served or refused), the units already on their way to it from
 * the planning region, and whether it can be reached now.  Expected sales
 * of a region over the horizon are demand x horizon / window, rounded up.
 * Targets: when the rights of all regions (in flight included) cover
 * every region's expected sales, each region is kept at its expected sales
 * and the rest is shared in proportion to demand (rounded down); when they
 * do not, the rights are shared in proportion to expected sales (rounded
 * down).  Without demand anywhere nothing moves.  The planning region
 * then proposes to send what it holds above its own target to the
 * reachable regions below theirs, the largest shortfall first, in
 * transfers of at least min_transfer units; it never sends itself below
 * its target.  Deterministic: the same figures give the same proposals.
 *
 * _new returns NULL when out of memory; _free accepts NULL; _reset forgets
 * the regions and proposals and keeps the policy (defaults: horizon 600
 * s, window 600 s, min_transfer 1). */
EC_API ec_escrow_plan *ec_escrow_plan_new(void);
EC_API ec_escrow_plan *ec_escrow_plan_new_ex(const ec_allocator *alloc);
EC_API void ec_escrow_plan_free(ec_escrow_plan *p);
EC_API void ec_escrow_plan_reset(ec_escrow_plan *p);

/* horizon and window 1 to EC_ESCROW_MAX_SECONDS, min_transfer 1 to
 * EC_ESCROW_MAX_QUANTITY; EC_INVALID_FIELD naming the argument. */
EC_API ec_status ec_escrow_plan_set_policy(ec_escrow_plan *p, int64_t horizon_seconds,
                                           int64_t window_seconds, int64_t min_transfer,
                                           ec_error *err);
/* rights, demand and in_flight 0 to EC_INVENTORY_MAX_STOCK.
 * EC_INVALID_FIELD ("region": invalid or added before, "rights",
 * "demand", "in_flight"), EC_LIMIT_EXCEEDED past EC_ESCROW_MAX_REGIONS. */
EC_API ec_status ec_escrow_plan_add_region(ec_escrow_plan *p, const char *region, int64_t rights,
                                           int64_t demand, int64_t in_flight, int32_t reachable,
                                           ec_error *err);
/* Compute the targets and the proposals of `sender` (added before, else
 * EC_INVALID_FIELD "sender"); replaces earlier proposals. */
EC_API ec_status ec_escrow_plan_run(ec_escrow_plan *p, const char *sender, ec_error *err);
/* The proposals: region and units; NULL / 0 out of range. */
EC_API size_t ec_escrow_plan_count(const ec_escrow_plan *p);
EC_API const char *ec_escrow_plan_to(const ec_escrow_plan *p, size_t i);
EC_API int64_t ec_escrow_plan_quantity(const ec_escrow_plan *p, size_t i);
/* A region's target after the last run; -1 when unknown. */
EC_API int64_t ec_escrow_plan_target(const ec_escrow_plan *p, const char *region);

/* ---- the message regions exchange ----------------------------------------------------------- */

/* One message from region `from` to region `to`: transfers to credit, ids
 * of transfers credited (the acknowledgements), and a report of the
 * sender's figures per SKU (its rights, each location's, and its demand
 * over the window), from which the receiver keeps its picture of the
 * other region as last known.  Each part holds at most
 * EC_ESCROW_MAX_ITEMS items.  _new returns NULL when out of memory; _free
 * accepts NULL; _reset empties it. */
EC_API ec_escrow_message *ec_escrow_message_new(void);
EC_API ec_escrow_message *ec_escrow_message_new_ex(const ec_allocator *alloc);
EC_API void ec_escrow_message_free(ec_escrow_message *m);
EC_API void ec_escrow_message_reset(ec_escrow_message *m);

/* EC_INVALID_FIELD "from", "to" (equal to from), "at". */
EC_API ec_status ec_escrow_message_set(ec_escrow_message *m, const char *from, const char *to,
                                       int64_t at_us, ec_error *err);
/* A copy of t, which must leave `from` for `to` (EC_INVALID_FIELD "from",
 * "to"); EC_LIMIT_EXCEEDED, EC_NO_MEMORY. */
EC_API ec_status ec_escrow_message_add_transfer(ec_escrow_message *m, const ec_escrow_transfer *t,
                                                ec_error *err);
EC_API ec_status ec_escrow_message_add_credited(ec_escrow_message *m, const char *id,
                                                ec_error *err);
/* The report of `sku`: its rights at each location of `inv` at at_us (the
 * sender's inventory), and `demand` (0 to EC_INVENTORY_MAX_STOCK).  A SKU
 * reported twice: EC_INVALID_FIELD "sku". */
EC_API ec_status ec_escrow_message_add_report(ec_escrow_message *m, ec_inventory *inv,
                                              const char *sku, int64_t demand, int64_t at_us,
                                              ec_error *err);

EC_API const char *ec_escrow_message_from(const ec_escrow_message *m);
EC_API const char *ec_escrow_message_to(const ec_escrow_message *m);
EC_API int64_t ec_escrow_message_at(const ec_escrow_message *m);
EC_API size_t ec_escrow_message_transfer_count(const ec_escrow_message *m);
EC_API const ec_escrow_transfer *ec_escrow_message_transfer(const ec_escrow_message *m, size_t i);
EC_API size_t ec_escrow_message_credited_count(const ec_escrow_message *m);
EC_API const char *ec_escrow_message_credited(const ec_escrow_message *m, size_t i);
EC_API size_t ec_escrow_message_report_count(const ec_escrow_message *m);
EC_API const char *ec_escrow_message_report_sku(const ec_escrow_message *m, size_t i);
EC_API int64_t ec_escrow_message_report_rights(const ec_escrow_message *m, size_t i);
EC_API int64_t ec_escrow_message_report_demand(const ec_escrow_message *m, size_t i);
EC_API size_t ec_escrow_message_report_location_count(const ec_escrow_message *m, size_t i);
EC_API const char *ec_escrow_message_report_location(const ec_escrow_message *m, size_t i,
                                                     size_t k);
EC_API int64_t ec_escrow_message_report_location_rights(const ec_escrow_message *m, size_t i,
                                                        size_t k);

/* ---- JSON facade ---------------------------------------------------------------------------- */
/* Output buffers are allocated with malloc and released with ec_free().
 *
 * A transfer: {"id", "kind", "from", "to", "sku", "at", "quantity",
 * "lines": [{"location", "quantity"}]}; "quantity" is the sum of the
 * lines, written for readers and checked when read.  A message: {"from",
 * "to", "at", "transfers": [transfer...], "credited": [id...], "report":
 * [{"sku", "rights", "demand", "locations": [{"location", "rights"}]}]};
 * the three lists may be left out when empty.  Keys are written in this
 * order; reading refuses unknown keys, and err names the first problem
 * ("transfers[2].lines[0].quantity"). */

/* Reset t and fill it from a transfer document. */
EC_API ec_status ec_escrow_transfer_from_json(ec_escrow_transfer *t, const char *json, size_t len,
                                              ec_error *err);
/* EC_MISUSE for a transfer without id or lines; EC_NO_MEMORY. */
EC_API ec_status ec_escrow_transfer_to_json(const ec_escrow_transfer *t, char **out,
                                            size_t *out_len);
/* Reset m and fill it from a message document.  A report's rights must
 * be the sum of its locations'. */
EC_API ec_status ec_escrow_message_from_json(ec_escrow_message *m, const char *json, size_t len,
                                             ec_error *err);
/* EC_MISUSE for a message without from and to; EC_NO_MEMORY. */
EC_API ec_status ec_escrow_message_to_json(const ec_escrow_message *m, char **out, size_t *out_len);

EC_END_DECLS

#endif /* EC_ESCROW_H */
