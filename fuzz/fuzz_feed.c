/* fuzz_feed.c - libFuzzer target for the product-feed reader of
 * `ecom reprice`: the markup lexer that cuts a feed into chunks of items,
 * libxml2's streaming reader on each chunk, and the g:sale_price rewrite.
 *
 * The fuzz build links one fuzz_<name>.c with the static library, so the
 * reader's sources (wrappers/cli) are compiled in here; the program also
 * links libxml2.  The input is a feed, read the way the reader thread and
 * a worker read it, once with large chunks and once with 1-byte reads that
 * put a cut after every item.  Beyond "no crash, no sanitizer report" the
 * target traps when:
 * - one run refuses the feed and the other does not, or, for a feed
 *   both accept, their outputs differ (chunking must never change a byte);
 * - items do not lie in order inside their chunk;
 * - a row is lost (rows != priced + rejected);
 * - repricing the output again changes it: every g:sale_price it wrote is
 *   the one the ruleset gives, so a second pass must keep it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../wrappers/cli/reprice_csv.c"
#include "../wrappers/cli/reprice_feed.c"
#include "../wrappers/cli/reprice_feed_lex.c"
#include "../wrappers/cli/reprice_jsonl.c"
#include "../wrappers/cli/reprice_record.c"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_json[] =
    "{\"currency\": \"EUR\", \"tax\": [{\"category\": \"standard\", \"country\": \"*\","
    " \"percent\": \"19\"}], \"products\": [{\"sku\": \"A\", \"prices\": {\"EUR\": \"10.00\","
    " \"USD\": \"12.00\"}, \"categories\": [\"c\"]}, {\"sku\": \"B\", \"prices\": \"5.00\"}],"
    " \"promotions\": [{\"id\": \"P\", \"level\": \"product\", \"target\": {\"categories\":"
    " [\"c\"], \"sku_pattern\": \"^S\"}, \"action\": {\"type\": \"percent_off\","
    " \"percent\": \"10\"}}]}";

typedef struct outcome {
    int refused; /* the prolog or a chunk stopped the run */
    rp_buf out;
    uint64_t rows;
} outcome;

/* One chunk, in a buffer with the wrapper's room around it. */
static void process(rp_worker *w, const rp_job *job, rp_chunk *c, const char *src, size_t n,
                    int kind, outcome *o)
{
    size_t head = job->feed.wrapper_head.len, tail = job->feed.wrapper_tail.len;
    c->mem = rp_xrealloc(c->mem, head + n + tail + 1);
    c->head = kind == RP_CHUNK_DATA ? head : 0;
    memcpy(rp_chunk_data(c), src, n);
    c->len = n;
    c->kind = kind;
    c->out.len = c->rej.len = 0;
    c->nrejs = 0;
    c->rows = c->priced = c->rejected = c->changed = 0;
    c->stop = 0;
    c->fatal = EC_OK;
    w->chunk = c;
    if (kind == RP_CHUNK_DATA)
        rp_feed_process(w, c);
    else
        rp_feed_epilog(w, c);
    CHECK(c->rows == c->priced + c->rejected);
    o->rows += c->rows;
    rp_buf_put(&o->out, c->out.p ? c->out.p : "", c->out.len);
    if (c->fatal != EC_OK) o->refused = 1;
}

/* The reader thread's loop, with reads of `step` bytes. */
static void run(const rp_job *shape, const char *data, size_t size, size_t step, outcome *o)
{
    rp_job job = *shape;
    rp_refusal why = {EC_OK, 0, "", ""};
    rp_worker w;
    rp_chunk c, cut_chunk;
    memset(&c, 0, sizeof c);
    memset(&cut_chunk, 0, sizeof cut_chunk);
    memset(&job.feed, 0, sizeof job.feed);
    memset(o, 0, sizeof *o);
    char *copy = malloc(size + 1);
    CHECK(copy);
    memcpy(copy, data, size);
    long k = rp_feed_prologue(&job, copy, size, 1, &why);
    CHECK(k == -2 || (k >= 0 && (size_t)k <= size));
    rp_worker_init(&w, &job);
    if (k == -2) {
        o->refused = 1;
    } else {
        rp_buf_put(&o->out, copy, (size_t)k); /* the prolog, verbatim */
        size_t pos = (size_t)k, have = step;
        while (job.feed.found_item && pos < size && !o->refused) {
            if (have > size - pos) have = size - pos;
            int eof = pos + have == size;
            size_t n = rp_feed_split(&job, &cut_chunk, copy + pos, have, eof, &why);
            if (why.status != EC_OK) {
                o->refused = 1;
                break;
            }
            for (size_t i = 0; i < cut_chunk.nitems; i++) {
                const rp_xitem *it = &cut_chunk.items[i];
                CHECK(it->start < it->body || it->start == it->body);
                CHECK(it->body <= it->close && it->close <= it->end && it->end <= n);
                CHECK(i == 0 || cut_chunk.items[i - 1].end <= it->start);
            }
            if (n == 0 && !eof) {
                have *= 2;
                continue;
            }
            if (n > 0) {
                /* the worker gets the splitter's items with its chunk */
                c.items = cut_chunk.items;
                c.nitems = cut_chunk.nitems;
                process(&w, &job, &c, copy + pos, n, RP_CHUNK_DATA, o);
                c.items = NULL;
            }
            pos += n;
            have = step;
            if (eof) break;
        }
        if (!o->refused) process(&w, &job, &c, copy + pos, size - pos, RP_CHUNK_EPILOG, o);
    }
    rp_worker_free(&w);
    free(c.mem);
    free(c.out.p);
    free(c.rej.p);
    free(c.rejs);
    free(cut_chunk.items);
    free(job.feed.wrapper_head.p);
    free(job.feed.wrapper_tail.p);
    free(job.feed.prolog.p);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ec_ruleset *rules;
    static ec_repricer *rp;
    static rp_context ctx;
    if (!rules) {
        rp_feed_global_init();
        CHECK(ec_ruleset_from_json(rules_json, sizeof rules_json - 1, NULL, &rules, NULL) == EC_OK);
        CHECK((rp = ec_repricer_new(rules)) != NULL);
        CHECK(ec_reprice_context_new(rp, NULL, "DE", NULL, NULL, 0, &ctx.ctx, NULL) == EC_OK);
    }
    if (size > (256 << 10)) return 0;
    rp_job job;
    memset(&job, 0, sizeof job);
    job.in_fmt = job.out_fmt = RP_XML;
    job.rules = rules;
    job.rp = rp;
    job.ctxs = &ctx;
    job.nctx = 1;
    outcome big, small, again;
    run(&job, (const char *)data, size, 1 << 20, &big);
    run(&job, (const char *)data, size, 1, &small);
    CHECK(big.refused == small.refused);
    /* a refused feed's output is incomplete, and how far it got depends on
     * how far libxml2 had read: only accepted feeds are compared */
    if (!big.refused) {
        CHECK(big.rows == small.rows);
        CHECK(big.out.len == small.out.len && memcmp(big.out.p, small.out.p, big.out.len) == 0);
        run(&job, big.out.p, big.out.len, 1 << 20, &again);
        CHECK(!again.refused && again.rows == big.rows);
        CHECK(again.out.len == big.out.len && memcmp(again.out.p, big.out.p, big.out.len) == 0);
        free(again.out.p);
    }
    free(big.out.p);
    free(small.out.p);
    return 0;
}
