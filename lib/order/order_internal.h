/* order_internal.h - the shapes behind ec_order_machine, ec_order,
 * ec_order_event and ec_order_effects; private to the library.
 *
 * A machine is read through `ec__otable`, a view made only of pointers to
 * const data, so that the built-in default (static const arrays generated
 * from one X-macro list in order_default.c) and a sealed custom machine
 * (arrays in its arena) are the same thing to apply and to the codec. */
#ifndef EC_ORDER_INTERNAL_H
#define EC_ORDER_INTERNAL_H

#include <stdint.h>

#include "common/arena.h"
#include "ecommerce/order.h"

#define EC__ORDER_NAME_MAX 128 /* identifiers */
#define EC__ORDER_NO_GUARD (-1)

/* RFC 3339 times the documents can carry: years 0000 to 9999 in UTC. */
#define EC__ORDER_TIME_MIN INT64_C(-62167219200000000)
#define EC__ORDER_TIME_MAX INT64_C(253402300799999999)

typedef struct ec__oname {
    const char *p; /* NUL-terminated */
    uint32_t n;
} ec__oname;

typedef struct ec__otrans {
    const uint16_t *from; /* state indices, in document order */
    uint16_t nfrom;
    uint16_t event;
    uint16_t to;
    int8_t guard; /* ec_order_guard, or EC__ORDER_NO_GUARD */
} ec__otrans;

typedef struct ec__otable {
    const ec__oname *states;
    const ec__oname *events;
    const ec__otrans *trans;
    const uint16_t *finals;    /* final states, in document order */
    const uint8_t *final_flag; /* per state: 1 when final */
    uint32_t nstates, nevents, ntrans, nfinals;
    uint16_t initial;
} ec__otable;

struct ec_order_machine {
    ec__otable t; /* valid once sealed */
    uint8_t sealed;
    uint8_t builtin; /* the static default: never freed */
    /* building a custom machine; unused by the default */
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec__arena arena;
    ec__oname *states, *events, *final_names;
    ec__otrans *trans;
    uint32_t states_cap, events_cap, finals_cap, trans_cap;
    uint32_t nfrom_total;
    ec__oname initial_name; /* p NULL until set */
};

/* What an event does to the money and the units, by its name: the same in
 * the default and in every custom machine (docs/orders.md). */
enum {
    EC__OKIND_OTHER, /* state only */
    EC__OKIND_AUTHORIZE,
    EC__OKIND_CAPTURE,
    EC__OKIND_VOID,
    EC__OKIND_FULFILL,
    EC__OKIND_CANCEL,
    EC__OKIND_EXPIRE,
    EC__OKIND_RETURN,
    EC__OKIND_REFUND
};

typedef struct ec__oevent_line {
    const char *sku; /* in the event's arena */
    uint32_t sku_len;
    int64_t quantity;
} ec__oevent_line;

struct ec_order_event {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec__arena arena; /* line SKUs; reset with the event */
    char id[EC__ORDER_NAME_MAX + 1];
    char type[EC__ORDER_NAME_MAX + 1];
    uint32_t id_len, type_len; /* 0: unset */
    uint64_t id_hash;
    int64_t at, amount, fee, expected_version;
    uint8_t has_at, has_amount, has_fee, has_shipping, shipping, has_expected_version, kind;
    ec__oevent_line *lines;
    uint32_t nlines, lines_cap;
};

/* One effect; a stock effect's lines are fx_lines[off, off + n). */
typedef struct ec__oeffect {
    uint8_t type; /* ec_order_effect */
    int64_t amount;
    uint32_t off, n;
} ec__oeffect;

typedef struct ec__oeffect_line {
    uint32_t line; /* index in the order */
    int64_t quantity;
} ec__oeffect_line;

struct ec_order_effects {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    const ec_order *order; /* whose SKUs the lines name */
    uint32_t n;
    ec__oeffect fx[EC_ORDER_MAX_EFFECTS];
    ec__oeffect_line *lines;
    uint32_t nlines, lines_cap;
};

typedef struct ec__oline {
    uint32_t sku_off, sku_len; /* the SKU in the order's pool */
    int64_t quantity, fulfilled, canceled, returned;
    int64_t unit_price, subtotal, discount, net, tax, total;
} ec__oline;

/* A promotion with its amount, or a coupon (amount 0), in the pool. */
typedef struct ec__opromo {
    uint32_t off, len;
    int64_t amount;
} ec__opromo;

/* One applied event.  Its strings lie back to back in the order's pool at
 * `off`: event id, event, from, to, each NUL-terminated. */
typedef struct ec__ohist {
    uint64_t id_hash; /* compared before the bytes when looking for duplicates */
    int64_t at;
    uint32_t off;
    uint8_t id_len, event_len, from_len, to_len; /* each 1..128 */
} ec__ohist;

/* The recorded money of an order and what is derived from it.  Apply
 * plans an event on a copy, so the derivations read either. */
typedef struct ec__omoney {
    int64_t total; /* lines and shipping, as bought */
    int64_t left;  /* value of the units (and shipping) that left */
    int64_t fees;  /* kept on returns */
    int64_t authorized, captured, refunded;
} ec__omoney;

/* An order keeps all of its variable-length strings (line SKUs, shipping
 * method, promotions, coupons, history) in one pool, by offset: a few
 * hundred bytes for a typical order, where an arena block per order would
 * cost kilobytes. */
struct ec_order {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    char id[EC__ORDER_NAME_MAX + 1];
    char state[EC__ORDER_NAME_MAX + 1];
    uint32_t id_len, state_len; /* 0: unset */
    int32_t currency;           /* index in the currency table, -1 unset */
    int64_t version, created_at;
    uint8_t has_created_at, include_tax, has_shipping, shipping_left;
    uint32_t ship_off, ship_len; /* the method in the pool */
    int64_t ship_total, ship_tax;
    int64_t subtotal, discount, tax;
    ec__omoney m;
    ec__oline *lines;
    int64_t *delta; /* apply's scratch: units per line, lines_cap entries */
    uint32_t nlines, lines_cap;
    ec__opromo *promos; /* promotions, then coupons */
    uint32_t npromos, ncoupons, promos_cap;
    ec__ohist *hist;
    uint32_t nhist, hist_cap;
    char *pool;
    size_t pool_len, pool_cap;
};

/* ---- order_machine.c -------------------------------------------------------- */

/* Index of a state or event name in a sealed machine's table, or -1. */
int32_t ec__omachine_state(const ec__otable *t, const char *s, size_t n);
int32_t ec__omachine_event(const ec__otable *t, const char *s, size_t n);
/* 1 when transition tr leaves state s. */
int ec__otrans_from(const ec__otrans *tr, uint32_t s);

/* ---- order_default.c -------------------------------------------------------- */

extern const ec_order_machine ec__order_default_machine;

/* ---- order_money.c ------------------------------------------------------------ */

/* What the first n units of line l are worth, floor(total*n/quantity), and
 * the tax part of it, floor(tax*n/quantity). */
int64_t ec__oline_value(const ec__oline *l, int64_t n);
int64_t ec__oline_tax_value(const ec__oline *l, int64_t n);
/* The most a line's returned units can have been worth (caps the fees kept). */
int64_t ec__oline_returned_cap(const ec__oline *l);
int64_t ec__omoney_balance(const ec__omoney *m);
int64_t ec__omoney_paid(const ec__omoney *m);
int64_t ec__omoney_due(const ec__omoney *m);
int64_t ec__omoney_refund_due(const ec__omoney *m);
int64_t ec__omoney_open(const ec__omoney *m); /* authorized - captured */
/* How far the open authorization exceeds what is due: what a void frees. */
int64_t ec__omoney_excess(const ec__omoney *m);
int32_t ec__omoney_status(const ec__omoney *m);
/* Fulfilment of lines whose counters are l[i] plus, for `kind`, delta[i]
 * (delta may be NULL). */
int32_t ec__order_fulfillment_of(const ec_order *o, const int64_t *delta, int kind);

/* ---- order.c ---------------------------------------------------------------- */

int ec__order_time_valid(int64_t at_us);
/* A name (identifier) into a fixed buffer; EC_INVALID_FIELD naming `field`. */
ec_status ec__order_name(char *dst, uint32_t *dst_len, const char *s, const char *field,
                         ec_error *err);
/* The event kind of a type name (EC__OKIND_*). */
uint8_t ec__order_kind(const char *type, size_t len);
/* A string of the pool, NUL-terminated. */
static inline const char *ec__order_str(const ec_order *o, uint32_t off)
{
    return o->pool + off;
}
/* The SKU of line i. */
static inline const char *ec__order_sku(const ec_order *o, uint32_t i)
{
    return o->pool + o->lines[i].sku_off;
}
/* Room for `bytes` more in the pool: 0 when out of memory. */
int ec__order_pool_reserve(ec_order *o, size_t bytes);
/* Copy n bytes and a NUL into the pool (room reserved); returns the offset. */
uint32_t ec__order_pool_put(ec_order *o, const char *s, size_t n);
/* Append a line (its SKU copied), promotion or coupon; EC_NO_MEMORY or
 * EC_LIMIT_EXCEEDED with the order unchanged.  Values are not checked:
 * callers (creation, the codec) check them. */
ec_status ec__order_push_line(ec_order *o, const char *sku, size_t n, const ec__oline *values,
                              ec_error *err);
ec_status ec__order_push_promo(ec_order *o, const char *id, size_t n, int64_t amount, int coupon,
                               ec_error *err);
/* Set the shipping method (copied) with its amounts. */
ec_status ec__order_set_shipping(ec_order *o, const char *method, size_t n, int64_t total,
                                 int64_t tax, int returned, ec_error *err);
/* 1 when an event id is in the history. */
int ec__order_has_event(const ec_order *o, const char *id, size_t len, uint64_t hash);
/* Room for one more history entry of `bytes` string bytes: EC_OK or
 * EC_NO_MEMORY / EC_LIMIT_EXCEEDED, the order's content unchanged. */
ec_status ec__order_history_reserve(ec_order *o, size_t bytes, ec_error *err);
/* Append an entry; ec__order_history_reserve() must have made room. */
void ec__order_history_push(ec_order *o, const char *id, size_t id_len, uint64_t hash,
                            const char *event, size_t event_len, const char *from, size_t from_len,
                            const char *to, size_t to_len, int64_t at);
/* The four strings of history entry i. */
const char *ec__order_hist_str(const ec_order *o, size_t i, int which);

/* ---- order_check.c ------------------------------------------------------------ */

/* Check a whole order as read back from a document: amounts add up,
 * counters and payment hold the invariants.  EC_INVALID_FIELD naming the
 * first field at fault (field names of the order document). */
ec_status ec__order_check(const ec_order *o, ec_error *err);

/* ---- order_effects.c ------------------------------------------------------------ */

void ec__order_effects_clear(ec_order_effects *fx, const ec_order *o);
/* Room for `lines` more effect lines: 0 when out of memory. */
int ec__order_effects_reserve(ec_order_effects *fx, size_t lines);
/* Append a payment effect, or a stock effect with the lines whose delta is
 * above zero (room reserved). */
void ec__order_effects_amount(ec_order_effects *fx, int type, int64_t amount);
void ec__order_effects_units(ec_order_effects *fx, int type, const int64_t *delta, uint32_t n);

#endif /* EC_ORDER_INTERNAL_H */
