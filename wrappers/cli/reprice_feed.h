/* reprice_feed.h - product feeds for `ecom reprice`: the markup lexer
 * shared by the reader thread (reprice_feed_lex.c) and the workers
 * (reprice_feed.c). */
#ifndef EC_REPRICE_FEED_H
#define EC_REPRICE_FEED_H

#include "reprice_cli.h"

/* Elements open around the first item, at most. */
#define RP_FEED_MAX_DEPTH 64

enum rp_markup_kind {
    RP_MK_NONE,  /* no complete markup from here on (more input needed) */
    RP_MK_START, /* <name ...> */
    RP_MK_EMPTY, /* <name .../> */
    RP_MK_END,   /* </name> */
    RP_MK_OTHER, /* comment, CDATA section, processing instruction */
    RP_MK_DECL,  /* <!DOCTYPE ...> and the like: refused */
    RP_MK_BAD    /* '<' that starts no markup */
};

typedef struct rp_markup {
    size_t start, end;     /* '<' .. after '>' */
    size_t name, name_len; /* tags: the qualified name */
} rp_markup;

typedef struct rp_range {
    size_t start, end;
} rp_range;

/* The next markup at or after *i in p[0..n); *i moves past it (to the '<'
 * of an incomplete one, or n when there is none). */
int rp_markup_next(const char *p, size_t n, size_t *i, rp_markup *m);

/* The child elements of an item's body p[body..close): their ranges in
 * document order, in *out (grown as needed); returns their count. */
size_t rp_feed_children(const char *p, size_t body, size_t close, rp_range **out, size_t *cap);

#endif /* EC_REPRICE_FEED_H */
