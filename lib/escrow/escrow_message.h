/* escrow_message.h - the message's structure, shared with its JSON codec;
 * private. */
#ifndef EC_ESCROW_MESSAGE_H
#define EC_ESCROW_MESSAGE_H

#include "escrow/escrow_internal.h"

typedef struct ec__esc_report {
    ec__esc_name sku;
    int64_t rights; /* the sum of the locations' */
    int64_t demand;
    ec__esc_line *locs; /* a location and its rights (in `quantity`) */
    size_t nlocs;
} ec__esc_report;

struct ec_escrow_message {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    int set;
    ec__esc_name from, to;
    int64_t at;
    ec_escrow_transfer **transfers; /* [capt], kept across resets; NULL where never used */
    size_t nt, capt;
    ec__esc_name *credited;
    size_t nc, capc;
    ec__esc_report *reports;
    size_t nr, capr;
};

/* Add a report from its figures: n locations (at most EC_ESCROW_MAX_ITEMS,
 * distinct identifiers) and their rights (0 to EC_INVENTORY_MAX_STOCK
 * each).  EC_INVALID_FIELD ("sku", "demand", "locations[i].location",
 * "locations[i].rights"), EC_LIMIT_EXCEEDED, EC_NO_MEMORY. */
ec_status ec__esc_message_report(ec_escrow_message *m, const char *sku, int64_t demand, size_t n,
                                 const char *const *locations, const int64_t *rights,
                                 ec_error *err);

#endif /* EC_ESCROW_MESSAGE_H */
