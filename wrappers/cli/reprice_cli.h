/* reprice_cli.h - `ecom reprice`: what its files share.
 *
 *   reprice_cmd.c       options, contexts, summary, exit status
 *   reprice_pipeline.c  reader thread, worker threads, writer thread
 *   reprice_record.c    one row: item, prices in every context, output, rejects
 *   reprice_csv.c       RFC 4180 records: split, parse, header, quoting
 *   reprice_jsonl.c     JSON lines: split, parse, quoting
 *   reprice_feed_lex.c  RSS 2.0 product feeds: prolog, item boundaries (reprice_feed.h)
 *   reprice_feed.c      RSS 2.0 product feeds: libxml2 reading, g:sale_price
 *
 * The input is cut into chunks of whole records by one reader thread; any
 * number of workers parse and price chunks at once against one shared
 * repricer; one writer emits the chunks in input order.  Chunks come from a
 * fixed pool, so memory is bounded by the pool, not by the input. */
#ifndef EC_REPRICE_CLI_H
#define EC_REPRICE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"

/* ---- buffers ------------------------------------------------------------------------ */

/* Out of memory in the command line: nothing sensible is left to do. */
static inline void rp_oom(void)
{
    fputs("ecom: reprice: out of memory\n", stderr);
    exit(1);
}

static inline void *rp_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) rp_oom();
    return q;
}

typedef struct rp_buf {
    char *p;
    size_t len, cap;
} rp_buf;

static inline void rp_buf_grow(rp_buf *b, size_t more)
{
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) rp_oom();
        cap *= 2;
    }
    b->p = rp_xrealloc(b->p, cap);
    b->cap = cap;
}

/* Room for `more` bytes at the end; returns where they go. */
static inline char *rp_buf_room(rp_buf *b, size_t more)
{
    if (!b->p || b->cap - b->len < more) rp_buf_grow(b, more);
    return b->p + b->len;
}

static inline void rp_buf_put(rp_buf *b, const void *p, size_t n)
{
    if (n == 0) return; /* p may be NULL then */
    memcpy(rp_buf_room(b, n), p, n);
    b->len += n;
}

static inline void rp_buf_putc(rp_buf *b, char c)
{
    *rp_buf_room(b, 1) = c;
    b->len++;
}

static inline void rp_buf_puts(rp_buf *b, const char *s)
{
    rp_buf_put(b, s, strlen(s));
}

/* ---- rows ------------------------------------------------------------------------------- */

typedef struct rp_slice {
    char *p;
    size_t n;
} rp_slice;

enum rp_format { RP_CSV, RP_JSONL, RP_XML };

/* The columns of an input row (docs/batch.md). */
enum rp_col {
    RP_COL_SKU,
    RP_COL_PRICE,
    RP_COL_CURRENCY,
    RP_COL_CATEGORIES,
    RP_COL_TAX_CATEGORY,
    RP_COL_CURRENT_PRICE,
    RP_NCOLS
};

extern const char *const rp_col_names[RP_NCOLS];

#define RP_ROW_MSG 240

/* One input record as a reader found it.  Slices point into the chunk
 * (unescaped in place).  Categories come as sources, each split on
 * cat_sep when it is not 0 ('|' in CSV, '>' with trimming in feeds). */
typedef struct rp_row {
    uint64_t line; /* of the record's first byte, counted from its chunk's start */
    rp_slice col[RP_NCOLS];
    uint8_t has[RP_NCOLS];
    rp_slice *cats;
    uint32_t ncats, cats_cap;
    char cat_sep;
    /* a problem found while reading: EC_OK when none */
    ec_status bad;
    char bad_field[64];
    char bad_msg[RP_ROW_MSG];
} rp_row;

void rp_row_clear(rp_row *row);
void rp_row_add_cat(rp_row *row, char *p, size_t n);
void rp_row_fail(rp_row *row, ec_status st, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- chunks ------------------------------------------------------------------------------- */

enum rp_chunk_kind {
    RP_CHUNK_DATA,     /* records to price */
    RP_CHUNK_SKIP,     /* counted for line numbers only (a CSV header) */
    RP_CHUNK_VERBATIM, /* copied to an XML output as is (the feed's prolog) */
    RP_CHUNK_EPILOG,   /* the feed's end: checked, then copied like VERBATIM */
    RP_CHUNK_FATAL,    /* the reader's error, reported in input order */
    RP_CHUNK_END
};

typedef struct rp_reject {
    uint64_t line;   /* relative to the chunk, like rp_row.line */
    size_t off, len; /* of the rest of its JSON line in the chunk's rej buffer */
    /* the chunk's output and counts before this row, for a run that stops
     * here (--max-rejects) */
    size_t out_len;
    uint64_t priced, changed;
} rp_reject;

/* A feed item found by the splitter: offsets in the chunk's data. */
typedef struct rp_xitem {
    size_t start; /* '<' of <item> */
    size_t body;  /* after the '>' of <item> */
    size_t close; /* '<' of </item> (== end for <item/>) */
    size_t end;   /* after the '>' of </item> */
} rp_xitem;

typedef struct rp_chunk {
    uint64_t seq;
    int kind;
    char *mem;
    size_t cap;
    size_t head;     /* data = mem + head (room for the feed's wrapper before it) */
    size_t len;      /* data bytes */
    uint64_t nlines; /* newlines in the data */
    rp_buf out;
    rp_buf rej;
    rp_reject *rejs;
    size_t nrejs, rejs_cap;
    uint64_t rows, priced, rejected, changed;
    int stop;          /* the run ends after this chunk (--strict or fatal) */
    ec_error stop_err; /* --strict: the rejected row's error, at stop_line */
    uint64_t stop_line;
    ec_status fatal; /* EC_OK, or why the input cannot be read on */
    char fatal_msg[512];
    char fatal_field[64];
    uint64_t fatal_line; /* relative to the chunk, or absolute with fatal_abs */
    int fatal_abs;
    ec_error first_err; /* the error of rejs[0], its field as the input names it */
    rp_xitem *items;
    size_t nitems, items_cap;
} rp_chunk;

static inline char *rp_chunk_data(rp_chunk *c)
{
    return c->mem + c->head;
}

void rp_chunk_fail(rp_chunk *c, ec_status st, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- the job: everything fixed for one run --------------------------------------------------- */

typedef struct rp_context {
    ec_reprice_context *ctx;
    const char *currency, *country, *group, *channel; /* as given; NULL: absent */
    char label[400];                                  /* "currency=EUR,country=DE" */
    rp_buf csv_tail;                                  /* ",DE,b2b,web" after the currency column */
    rp_buf json_tail;                                 /* ,"country":"DE",... */
} rp_context;

/* What the feed's prolog says, for the wrapper each worker parses a
 * chunk in (reprice_feed.c). */
typedef struct rp_feed_shape {
    int found_item;      /* an item was seen: the prolog is complete */
    uint32_t item_depth; /* elements open around an item */
    rp_buf wrapper_head; /* XML declaration and the open start tags */
    rp_buf wrapper_tail; /* their end tags */
    uint64_t head_lines; /* newlines in wrapper_head */
    rp_buf prolog;       /* everything before the first item, verbatim */
    uint64_t prolog_lines;
} rp_feed_shape;

typedef struct rp_job {
    enum rp_format in_fmt, out_fmt;
    const ec_ruleset *rules;
    const ec_repricer *rp;
    rp_context *ctxs;
    size_t nctx;
    int changed_only, strict;
    int place;               /* some context has a region, postal code or tax class: the
                                records carry those three columns after channel */
    int csv_index[RP_NCOLS]; /* header position of each column, -1 when absent */
    int csv_ncols;
    rp_feed_shape feed;
} rp_job;

/* ---- workers ----------------------------------------------------------------------------------
 */

typedef struct rp_feed_state rp_feed_state;

#define RP_PCT_CACHE 16
typedef struct rp_pct_entry {
    int32_t value;
    size_t len; /* 0: empty */
    char text[EC_MONEY_FORMAT_MAX];
} rp_pct_entry;

typedef struct rp_worker {
    const rp_job *job;
    ec_reprice_item *item;
    ec_reprice_result **res; /* one per context */
    rp_row row;
    rp_chunk *chunk;
    rp_feed_state *feed;
    /* the failure of the row being priced */
    ec_error err;
    size_t err_ctx;                  /* context that failed, or SIZE_MAX */
    rp_pct_entry pcts[RP_PCT_CACHE]; /* tax percents formatted */
} rp_worker;

void rp_worker_init(rp_worker *w, const rp_job *job);
void rp_worker_free(rp_worker *w);

/* reprice_record.c: price the worker's row in every context and emit it
 * (CSV or JSON lines) or reject it.  Returns 1 when priced. */
int rp_record(rp_worker *w);
/* Price only (the feed splices the result itself); 1 when priced, else the
 * reject is recorded. */
int rp_record_price(rp_worker *w);
/* A row whose reading failed (row.bad) or whose pricing failed. */
void rp_record_reject(rp_worker *w);
/* Output formatting shared by the writers. */
size_t rp_fmt_money(char *dst, int64_t v, int32_t exponent);
void rp_csv_put_field(rp_buf *b, const char *s, size_t n);
void rp_json_put_string(rp_buf *b, const char *s, size_t n);

/* ---- formats ------------------------------------------------------------------------------------
 */

/* Reader side: consume what precedes the records (CSV header, feed prolog).
 * Returns the bytes consumed, or -1 when more input is needed (never at
 * eof), or -2 on a refusal described in *why (status, message). */
typedef struct rp_refusal {
    ec_status status;
    size_t at; /* where the problem is: a byte offset in what was given */
    char field[64];
    char msg[400];
} rp_refusal;

long rp_csv_prologue(rp_job *job, char *p, size_t n, int eof, rp_refusal *why);
size_t rp_csv_split(const char *p, size_t n, int eof);
void rp_csv_process(rp_worker *w, rp_chunk *c);
/* Parse one record at *pos (< n); fields are unescaped in place and
 * stored in f (at most maxf, *nf gets the true count); *lines receives the
 * newlines the record spans.  Returns 0, or an error message. */
const char *rp_csv_record(char *p, size_t n, size_t *pos, rp_slice *f, size_t maxf, size_t *nf,
                          uint64_t *lines);

size_t rp_jsonl_split(const char *p, size_t n, int eof);
void rp_jsonl_process(rp_worker *w, rp_chunk *c);
/* Parse one JSON object (one line, without its newline) into row. */
void rp_jsonl_parse(char *p, size_t n, rp_row *row);

long rp_feed_prologue(rp_job *job, char *p, size_t n, int eof, rp_refusal *why);
/* Complete items at the start of p..n (the tail after the last item at
 * eof is the epilog, left out); records them in c->items. */
size_t rp_feed_split(const rp_job *job, rp_chunk *c, const char *p, size_t n, int eof,
                     rp_refusal *why);
void rp_feed_process(rp_worker *w, rp_chunk *c);
void rp_feed_epilog(rp_worker *w, rp_chunk *c);
void rp_feed_worker_free(rp_worker *w);
void rp_feed_global_init(void);

/* ---- the run ------------------------------------------------------------------------------------
 */

typedef struct rp_io {
    int in_fd, out_fd, rej_fd; /* rej_fd -1: rejects go to stderr, the first ten */
    int64_t in_size;           /* bytes, or -1 when unknown (a pipe) */
    int progress;
    size_t chunk_size;
    int threads;
    uint64_t max_rejects; /* the run stops beyond this many; UINT64_MAX: never */
} rp_io;

typedef struct rp_stats {
    uint64_t rows, priced, rejected, changed;
    double seconds;
    ec_status fatal;       /* EC_OK unless the run stopped early */
    ec_error error;        /* the reason, with the line in its message */
    ec_error first_reject; /* the first rejected row's error (rejected > 0) */
    uint64_t first_reject_line;
} rp_stats;

/* Run the pipeline and fill st.  A thread that cannot be started ends the
 * program (exit status 1, with a message). */
void rp_run(rp_job *job, const rp_io *io, rp_stats *st);

#endif /* EC_REPRICE_CLI_H */
