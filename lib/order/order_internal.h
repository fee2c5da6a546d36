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

#define EC__ORDER_NAME_MAX 128 /* identifiers, formats.md 1 */
#define EC__ORDER_NO_GUARD (-1)

/* RFC 3339 times the documents can carry: years 0000 to 9999 in UTC. */
#define EC__ORDER_TIME_MIN INT64_C(-62167219200000000)
#define EC__ORDER_TIME_MAX INT64_C(253402300799999999)

typedef struct ec__oname {
    const char *p; /* NUL-terminated */
    uint32_t n;
} ec__oname;

typedef struct ec__otrans {
    const uint16_t *from;   /* state indices, in document order */
    const uint8_t *effects; /* ec_order_effect values, in document order */
    uint16_t nfrom;
    uint16_t event;
    uint16_t to;
    int8_t guard; /* ec_order_guard, or EC__ORDER_NO_GUARD */
    uint8_t neffects;
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

/* Events whose data (amount, lines) the order records, by name. */
enum {
    EC__OKIND_OTHER,
    EC__OKIND_AUTHORIZE,
    EC__OKIND_CAPTURE,
    EC__OKIND_FULFILL,
    EC__OKIND_RETURN
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
    int64_t at, amount, expected_version;
    uint8_t has_at, has_amount, has_expected_version, kind;
    ec__oevent_line *lines;
    uint32_t nlines, lines_cap;
};

struct ec_order_effects {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    uint32_t n;
    uint8_t codes[EC_ORDER_MAX_EFFECTS];
};

typedef struct ec__oline {
    uint32_t sku_off, sku_len; /* the SKU in the order's pool */
    int64_t quantity, fulfilled, returned;
} ec__oline;

/* One applied event.  Its strings lie back to back in the order's pool at
 * `off`: event id, event, from, to, each NUL-terminated. */
typedef struct ec__ohist {
    uint64_t id_hash; /* compared before the bytes when looking for duplicates */
    int64_t at;
    uint32_t off;
    uint8_t id_len, event_len, from_len, to_len; /* each 1..128 */
} ec__ohist;

/* An order keeps all of its variable-length strings (line SKUs, history)
 * in one pool, by offset: a few hundred bytes for a typical order, where an
 * arena block per order would cost kilobytes. */
struct ec_order {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    char id[EC__ORDER_NAME_MAX + 1];
    char state[EC__ORDER_NAME_MAX + 1];
    uint32_t id_len, state_len; /* 0: unset */
    int32_t currency;           /* index in the currency table, -1 unset */
    int64_t version, total, authorized, captured, refunded;
    ec__oline *lines;
    int64_t *delta; /* apply's scratch: units per line, lines_cap entries */
    uint32_t nlines, lines_cap;
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

/* ---- order.c ---------------------------------------------------------------- */

int ec__order_time_valid(int64_t at_us);
/* A name (identifier) into a fixed buffer; EC_INVALID_FIELD naming `field`. */
ec_status ec__order_name(char *dst, uint32_t *dst_len, const char *s, const char *field,
                         ec_error *err);
/* The event kind of a type name (EC__OKIND_*). */
uint8_t ec__order_kind(const char *type, size_t len);
/* The SKU of line i (NUL-terminated, in the pool). */
static inline const char *ec__order_sku(const ec_order *o, uint32_t i)
{
    return o->pool + o->lines[i].sku_off;
}
/* Index of the line holding sku, or -1. */
int32_t ec__order_find_line(const ec_order *o, const char *sku, size_t len);
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

#endif /* EC_ORDER_INTERNAL_H */
