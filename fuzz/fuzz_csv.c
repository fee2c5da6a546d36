/* fuzz_csv.c - libFuzzer target for the CSV reader of `ecom reprice`.
 *
 * The fuzz build links one fuzz_<name>.c with the static library, so the
 * reader's sources (wrappers/cli) are compiled in here.  The input is a
 * catalog; beyond "no crash, no sanitizer report" the target traps when:
 * - the reader thread's cut (rp_csv_split) is not where the worker's
 *   record parser ends a record, for the whole input and for every prefix
 *   the reader could have read so far;
 * - records do not account for every newline of the input;
 * - a record read back from the CSV writer's quoting differs from it;
 * - pricing a chunk loses a row (rows != priced + rejected) or emits a
 *   record that is not one CSV line per context;
 * - a reject line, or the input passed through ec_utf8_clean(), is not
 *   valid UTF-8 (decoded here by code point, independently of the library). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../wrappers/cli/reprice_csv.c"
#include "../wrappers/cli/reprice_jsonl.c"
#include "../wrappers/cli/reprice_record.c"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds are not read here; the worker's cleanup still calls this. */
void rp_feed_worker_free(rp_worker *w)
{
    (void)w;
}

static const char rules_json[] =
    "{\"currency\": \"EUR\", \"tax\": [{\"category\": \"standard\", \"country\": \"*\","
    " \"percent\": \"19\"}], \"products\": [{\"sku\": \"A\", \"prices\": \"1.00\","
    " \"categories\": [\"c\"]}], \"promotions\": [{\"id\": \"P\", \"level\": \"product\","
    " \"target\": {\"categories\": [\"c\"], \"sku_pattern\": \"^B\"},"
    " \"action\": {\"type\": \"percent_off\", \"percent\": \"10\"}}]}";

static uint64_t newlines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++) k += p[i] == '\n';
    return k;
}

/* RFC 3629 by decoding: shortest form, no surrogates, at most U+10FFFF. */
static int valid_utf8(const char *s, size_t n)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = u[i] < 0x80         ? 1
                     : (u[i] >> 5) == 6  ? 2
                     : (u[i] >> 4) == 14 ? 3
                     : (u[i] >> 3) == 30 ? 4
                                         : 0;
        if (len == 0 || i + len > n) return 0;
        uint32_t cp = len == 1 ? u[i] : u[i] & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((u[i + k] >> 6) != 2) return 0;
            cp = cp << 6 | (u[i + k] & 0x3F);
        }
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

static void check_clean(const char *data, size_t size)
{
    char out[512];
    size_t n = ec_utf8_clean(out, sizeof out, data, size);
    CHECK(n < sizeof out && out[n] == '\0' && valid_utf8(out, n));
    /* valid input comes out unchanged, as far as it fits */
    if (valid_utf8(data, size) && size < sizeof out) CHECK(n == size && memcmp(out, data, n) == 0);
}

/* Parse p[0..n) record by record: every cut the splitter gives for a
 * prefix is a record end, and the records span every newline. */
static void check_boundaries(const char *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    CHECK(p);
    memcpy(p, data, size);
    size_t pos = 0, nf = 0, cut = rp_csv_split(data, size, 0), ends = 0;
    uint64_t lines = 0, total = 0;
    rp_slice f[8];
    int cut_seen = cut == 0;
    while (pos < size) {
        size_t before = pos;
        rp_csv_record(p, size, &pos, f, 8, &nf, &lines);
        CHECK(pos > before && pos <= size && nf >= 1);
        total += lines;
        ends++;
        if (pos == cut) cut_seen = 1;
        /* a prefix ending at this record's end cuts there (the reader may
         * have read exactly so far); checked for the first records only,
         * each check rescans the prefix */
        if (pos < size && ends <= 64) CHECK(rp_csv_split(data, pos, 0) == pos);
    }
    CHECK(cut_seen);
    CHECK(total == newlines(data, size));
    free(p);
}

/* Fields written by the writer read back as themselves. */
static void check_round_trip(const char *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    CHECK(p);
    memcpy(p, data, size);
    size_t pos = 0, nf = 0;
    uint64_t lines = 0;
    rp_slice f[8];
    while (pos < size) {
        const char *err = rp_csv_record(p, size, &pos, f, 8, &nf, &lines);
        if (err || nf > 8) continue;
        rp_buf b = {0};
        for (size_t k = 0; k < nf; k++) {
            if (k) rp_buf_putc(&b, ',');
            rp_csv_put_field(&b, f[k].p, f[k].n);
        }
        rp_buf_putc(&b, '\n');
        size_t again = 0, nf2 = 0;
        rp_slice g[8];
        CHECK(rp_csv_record(b.p, b.len, &again, g, 8, &nf2, &lines) == NULL);
        CHECK(again == b.len && nf2 == nf);
        for (size_t k = 0; k < nf; k++)
            CHECK(g[k].n == f[k].n && memcmp(g[k].p, f[k].p, f[k].n) == 0);
        free(b.p);
    }
    free(p);
}

/* The worker's path: header, then one chunk of records priced. */
static void check_pricing(const ec_repricer *rp, ec_reprice_context *ctx, const char *data,
                          size_t size)
{
    rp_context c = {.ctx = ctx};
    rp_job job = {.in_fmt = RP_CSV,
                  .out_fmt = size % 2 ? RP_CSV : RP_JSONL,
                  .rp = rp,
                  .ctxs = &c,
                  .nctx = 1,
                  .changed_only = size % 3 == 0};
    rp_refusal why = {EC_OK, 0, "", ""};
    char *p = malloc(size + 1);
    CHECK(p);
    memcpy(p, data, size);
    c.csv_tail.p = NULL;
    rp_buf_puts(&c.csv_tail, ",DE,,");
    rp_buf_puts(&c.json_tail, ",\"country\":\"DE\"");
    long k = rp_csv_prologue(&job, p, size, 1, &why);
    CHECK(k >= -2 && k <= (long)size);
    if (k >= 0 && job.csv_ncols > 0) {
        rp_worker w;
        rp_chunk chunk;
        memset(&chunk, 0, sizeof chunk);
        chunk.mem = p + k;
        chunk.len = size - (size_t)k;
        rp_worker_init(&w, &job);
        w.chunk = &chunk;
        rp_csv_process(&w, &chunk);
        CHECK(chunk.rows == chunk.priced + chunk.rejected);
        CHECK(chunk.nrejs == chunk.rejected);
        CHECK(valid_utf8(chunk.rej.p ? chunk.rej.p : "", chunk.rej.len));
        if (job.out_fmt == RP_CSV && !job.changed_only)
            CHECK(newlines(chunk.out.p ? chunk.out.p : "", chunk.out.len) == chunk.priced);
        rp_worker_free(&w);
        free(chunk.out.p);
        free(chunk.rej.p);
        free(chunk.rejs);
    }
    free(c.csv_tail.p);
    free(c.json_tail.p);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ec_ruleset *rules;
    static ec_repricer *rp;
    static ec_reprice_context *ctx;
    if (!rules) {
        CHECK(ec_ruleset_from_json(rules_json, sizeof rules_json - 1, NULL, &rules, NULL) == EC_OK);
        CHECK((rp = ec_repricer_new(rules)) != NULL);
        CHECK(ec_reprice_context_new(rp, NULL, "DE", NULL, NULL, 0, &ctx, NULL) == EC_OK);
    }
    if (size > (1 << 20)) return 0;
    check_boundaries((const char *)data, size);
    check_round_trip((const char *)data, size);
    check_pricing(rp, ctx, (const char *)data, size);
    check_clean((const char *)data, size);
    return 0;
}
