/* reprice_cmd.c - `ecom reprice` (docs/batch.md): options, selling contexts,
 * files, the summary line and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "reprice_cli.h"

#define MAX_CONTEXTS 64
#define MAX_THREADS 256

typedef struct options {
    const char *rules, *in, *out, *rejects, *in_format, *out_format;
    const char *currency, *country, *group, *channel, *at, *region, *postal, *tax_class;
    const char *contexts[MAX_CONTEXTS];
    int ncontexts, threads, changed_only, strict, progress;
    size_t chunk_size;
    uint64_t max_rejects; /* UINT64_MAX: no limit */
} options;

/* ---- options ------------------------------------------------------------------------------ */

enum {
    O_RULES = CLI_OPT,
    O_IN,
    O_OUT,
    O_REJECTS,
    O_IN_FORMAT,
    O_OUT_FORMAT,
    O_CURRENCY,
    O_COUNTRY,
    O_GROUP,
    O_CHANNEL,
    O_AT,
    O_REGION,
    O_POSTAL,
    O_TAX_CLASS, /* the options above set a string */
    O_CONTEXT,
    O_THREADS,
    O_CHUNK_SIZE,
    O_MAX_REJECTS,
    O_CHANGED_ONLY,
    O_STRICT,
    O_PROGRESS,
    O_NO_PROGRESS
};

static const struct option long_options[] = {
    {"rules", required_argument, NULL, O_RULES},
    {"in", required_argument, NULL, O_IN},
    {"out", required_argument, NULL, O_OUT},
    {"rejects", required_argument, NULL, O_REJECTS},
    {"in-format", required_argument, NULL, O_IN_FORMAT},
    {"out-format", required_argument, NULL, O_OUT_FORMAT},
    {"currency", required_argument, NULL, O_CURRENCY},
    {"country", required_argument, NULL, O_COUNTRY},
    {"customer-group", required_argument, NULL, O_GROUP},
    {"channel", required_argument, NULL, O_CHANNEL},
    {"at", required_argument, NULL, O_AT},
    {"region", required_argument, NULL, O_REGION},
    {"postal-code", required_argument, NULL, O_POSTAL},
    {"tax-class", required_argument, NULL, O_TAX_CLASS},
    {"context", required_argument, NULL, O_CONTEXT},
    {"threads", required_argument, NULL, O_THREADS},
    {"chunk-size", required_argument, NULL, O_CHUNK_SIZE},
    {"max-rejects", required_argument, NULL, O_MAX_REJECTS},
    {"changed-only", no_argument, NULL, O_CHANGED_ONLY},
    {"strict", no_argument, NULL, O_STRICT},
    {"progress", no_argument, NULL, O_PROGRESS},
    {"no-progress", no_argument, NULL, O_NO_PROGRESS},
    CLI_HELP_OPTION};

static int number(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return 0;
    *out = v;
    return 1;
}

static const char **string_slot(options *o, int c)
{
    const char **slots[] = {&o->rules,      &o->in,       &o->out,     &o->rejects,  &o->in_format,
                            &o->out_format, &o->currency, &o->country, &o->group,    &o->channel,
                            &o->at,         &o->region,   &o->postal,  &o->tax_class};
    return slots[c - O_RULES];
}

/* One option that takes a number or is a flag. */
static int set_option(options *o, int c, const char *val)
{
    long long v;
    switch (c) {
    case O_CONTEXT:
        if (o->ncontexts == MAX_CONTEXTS)
            return cli_usage("at most %d --context options", MAX_CONTEXTS);
        o->contexts[o->ncontexts++] = val;
        break;
    case O_THREADS:
        if (!number(val, 1, MAX_THREADS, &v))
            return cli_usage("--threads takes 1 to %d, not '%s'", MAX_THREADS, val);
        o->threads = (int)v;
        break;
    case O_CHUNK_SIZE:
        if (!number(val, 1, (long long)1 << 30, &v))
            return cli_usage("--chunk-size takes 1 to 1073741824 bytes, not '%s'", val);
        o->chunk_size = (size_t)v;
        break;
    case O_MAX_REJECTS:
        if (!number(val, 0, LLONG_MAX, &v))
            return cli_usage("--max-rejects takes a count from 0, not '%s'", val);
        o->max_rejects = (uint64_t)v;
        break;
    default:
        o->changed_only |= c == O_CHANGED_ONLY;
        o->strict |= c == O_STRICT;
        if (c == O_PROGRESS || c == O_NO_PROGRESS) o->progress = c == O_PROGRESS;
    }
    return CLI_PARSED;
}

static int parse_options(int argc, char **argv, options *o)
{
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, long_options, &status)) != -1) {
        if (c == CLI_DONE) return status;
        if (c <= O_TAX_CLASS)
            *string_slot(o, c) = optarg;
        else if ((status = set_option(o, c, optarg)) != CLI_PARSED)
            return status;
    }
    if (optind < argc) return cli_usage("unexpected argument '%s'", argv[optind]);
    if (!o->rules || !o->in || !o->out) return cli_usage("reprice needs --rules, --in and --out");
    if (o->ncontexts && (o->currency || o->country || o->group || o->channel || o->region ||
                         o->postal || o->tax_class))
        return cli_usage("give either --context or --currency/--country/--customer-group/"
                         "--channel/--region/--postal-code/--tax-class, not both");
    return CLI_PARSED;
}

static int format_named(const char *name, const char *path, enum rp_format *out)
{
    const char *dot = strrchr(path, '.');
    const char *ext = name ? name : (dot && !strchr(dot, '/') ? dot + 1 : "csv");
    if (strcmp(ext, "csv") == 0)
        *out = RP_CSV;
    else if (strcmp(ext, "jsonl") == 0 || strcmp(ext, "ndjson") == 0)
        *out = RP_JSONL;
    else if (strcmp(ext, "xml") == 0 || strcmp(ext, "rss") == 0)
        *out = RP_XML;
    else if (name)
        return 0;
    else
        *out = RP_CSV; /* an unknown extension: csv, as documented */
    return 1;
}

/* ---- contexts -------------------------------------------------------------------------------- */

typedef struct ctx_spec {
    char *currency, *country, *group, *channel, *at, *region, *postal, *tax_class;
} ctx_spec;

static int parse_context(char *spec, ctx_spec *c)
{
    for (char *save = NULL, *kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) return cli_usage("--context: '%s' is not key=value", kv);
        *eq = '\0';
        char **slot = strcmp(kv, "currency") == 0         ? &c->currency
                      : strcmp(kv, "country") == 0        ? &c->country
                      : strcmp(kv, "customer_group") == 0 ? &c->group
                      : strcmp(kv, "channel") == 0        ? &c->channel
                      : strcmp(kv, "at") == 0             ? &c->at
                      : strcmp(kv, "region") == 0         ? &c->region
                      : strcmp(kv, "postal_code") == 0    ? &c->postal
                      : strcmp(kv, "tax_class") == 0      ? &c->tax_class
                                                          : NULL;
        if (!slot)
            return cli_usage("--context: unknown key '%s' (currency, country, customer_group, "
                             "channel, at, region, postal_code, tax_class)",
                             kv);
        if (*slot) return cli_usage("--context: '%s' given twice", kv);
        *slot = eq + 1;
    }
    return EXIT_OK;
}

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void tail_value(rp_context *c, const char *key, const char *v)
{
    rp_buf_putc(&c->csv_tail, ',');
    if (v) rp_csv_put_field(&c->csv_tail, v, strlen(v));
    rp_buf_puts(&c->json_tail, ",\"");
    rp_buf_puts(&c->json_tail, key);
    rp_buf_puts(&c->json_tail, "\":");
    if (v)
        rp_json_put_string(&c->json_tail, v, strlen(v));
    else
        rp_buf_puts(&c->json_tail, "null");
    if (!v) return;
    size_t n = strlen(c->label);
    snprintf(c->label + n, sizeof c->label - n, "%s%s=%s", n ? "," : "", key, v);
}

/* `place`: the run has a tax jurisdiction in some context, so every record
 * carries the region, postal_code and tax_class columns. */
static int make_context(const ec_repricer *rp, const ctx_spec *s, const char *at_default, int place,
                        rp_context *c)
{
    ec_error err;
    int64_t at = now_us();
    const char *at_text = s->at ? s->at : at_default;
    if (at_text && ec_time_parse(at_text, strlen(at_text), &at, &err) != EC_OK)
        return cli_usage("--at '%s': %s", at_text, err.message);
    if (ec_reprice_context_new_v2(rp, s->currency, s->country, s->group, s->channel, s->region,
                                  s->postal, s->tax_class, at, &c->ctx, &err) != EC_OK)
        return cli_usage("context %s: %s", err.field, err.message);
    c->currency = s->currency;
    if (s->currency) snprintf(c->label, sizeof c->label, "currency=%s", s->currency);
    tail_value(c, "country", s->country);
    tail_value(c, "customer_group", s->group);
    tail_value(c, "channel", s->channel);
    if (place) {
        tail_value(c, "region", s->region);
        tail_value(c, "postal_code", s->postal);
        tail_value(c, "tax_class", s->tax_class);
    }
    if (s->at) {
        size_t n = strlen(c->label);
        snprintf(c->label + n, sizeof c->label - n, "%sat=%s", n ? "," : "", s->at);
    }
    return EXIT_OK;
}

static int make_contexts(const options *o, rp_job *job, char **copies)
{
    ctx_spec specs[MAX_CONTEXTS];
    size_t n = o->ncontexts ? (size_t)o->ncontexts : 1;
    memset(specs, 0, sizeof specs);
    if (!o->ncontexts) {
        specs[0] = (ctx_spec){
            (char *)o->currency, (char *)o->country, (char *)o->group,    (char *)o->channel, NULL,
            (char *)o->region,   (char *)o->postal,  (char *)o->tax_class};
    }
    for (int i = 0; i < o->ncontexts; i++) {
        if (!(copies[i] = strdup(o->contexts[i]))) rp_oom();
        int st = parse_context(copies[i], &specs[i]);
        if (st != EXIT_OK) return st;
    }
    job->place = 0;
    for (size_t i = 0; i < n; i++)
        job->place |= specs[i].region || specs[i].postal || specs[i].tax_class;
    job->ctxs = calloc(n, sizeof *job->ctxs);
    if (!job->ctxs) rp_oom();
    for (size_t i = 0; i < n; i++) {
        job->nctx = i + 1;
        int st = make_context(job->rp, &specs[i], o->at, job->place, &job->ctxs[i]);
        if (st != EXIT_OK) return st;
    }
    return EXIT_OK;
}

static void free_contexts(rp_job *job)
{
    for (size_t i = 0; job->ctxs && i < job->nctx; i++) {
        ec_reprice_context_free(job->ctxs[i].ctx);
        free(job->ctxs[i].csv_tail.p);
        free(job->ctxs[i].json_tail.p);
    }
    free(job->ctxs);
}

/* ---- files -------------------------------------------------------------------------------------
 */

static int open_path(const char *path, int out, int *fd)
{
    if (strcmp(path, "-") == 0) {
        *fd = out ? STDOUT_FILENO : STDIN_FILENO;
        return EXIT_OK;
    }
    *fd = out ? open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : open(path, O_RDONLY);
    if (*fd < 0) return cli_usage("cannot open %s: %s", path, strerror(errno));
    return EXIT_OK;
}

static int same_file(int a, int b)
{
    struct stat x, y;
    return fstat(a, &x) == 0 && fstat(b, &y) == 0 && S_ISREG(x.st_mode) && x.st_dev == y.st_dev &&
           x.st_ino == y.st_ino;
}

static int open_files(const options *o, rp_io *io)
{
    struct stat st;
    int rc = open_path(o->in, 0, &io->in_fd);
    if (rc == EXIT_OK && o->rejects) rc = open_path(o->rejects, 1, &io->rej_fd);
    if (rc != EXIT_OK) return rc;
    /* opening OUT truncates it: refuse first when it is the input */
    if (strcmp(o->out, "-") != 0 && stat(o->out, &st) == 0) {
        struct stat in;
        if (fstat(io->in_fd, &in) == 0 && S_ISREG(in.st_mode) && in.st_dev == st.st_dev &&
            in.st_ino == st.st_ino)
            return cli_usage("--out %s is the input file", o->out);
    }
    rc = open_path(o->out, 1, &io->out_fd);
    if (rc == EXIT_OK && io->rej_fd >= 0 && same_file(io->rej_fd, io->out_fd))
        return cli_usage("--rejects and --out name the same file");
    io->in_size = fstat(io->in_fd, &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
    return rc;
}

static void close_files(const rp_io *io)
{
    if (io->in_fd > STDERR_FILENO) close(io->in_fd);
    if (io->out_fd > STDERR_FILENO) close(io->out_fd);
    if (io->rej_fd > STDERR_FILENO) close(io->rej_fd);
}

/* ---- the command -------------------------------------------------------------------------------
 */

static int check_formats(const options *o, rp_job *job)
{
    if (!format_named(o->in_format, o->in, &job->in_fmt))
        return cli_usage("--in-format is csv, jsonl or xml, not '%s'", o->in_format);
    if (!format_named(o->out_format, o->out, &job->out_fmt))
        return cli_usage("--out-format is csv, jsonl or xml, not '%s'", o->out_format);
    if (job->out_fmt == RP_XML && job->in_fmt != RP_XML)
        return cli_usage("XML output is the input feed rewritten: it needs an XML input");
    if (job->out_fmt == RP_XML && o->ncontexts > 1)
        return cli_usage("XML output holds one price per item: give one context");
    return EXIT_OK;
}

/* A batch whose every row was rejected has nothing to publish: it is
 * refused (exit 1) like a bad file, with the first reject's error, rather
 * than finishing with rejects (exit 3), which shard wrappers publish. */
static void nothing_priced(rp_stats *st)
{
    ec_error *e = &st->error;
    *e = st->first_reject;
    snprintf(e->message, sizeof e->message, "line %llu: no row was priced (%llu rejected): %.150s",
             (unsigned long long)st->first_reject_line, (unsigned long long)st->rejected,
             st->first_reject.message);
    st->fatal = (ec_status)e->code;
}

static int finish(const options *o, rp_stats *st)
{
    double secs = st->seconds > 0 ? st->seconds : 1e-9;
    fprintf(stderr,
            "reprice: %llu rows, %llu priced, %llu rejected, %llu changed, %.2f s, "
            "%.2f M rows/s\n",
            (unsigned long long)st->rows, (unsigned long long)st->priced,
            (unsigned long long)st->rejected, (unsigned long long)st->changed, st->seconds,
            (double)st->rows / secs / 1e6);
    if (st->fatal == EC_OK && st->rejected > 0 && st->priced == 0) nothing_priced(st);
    if (st->fatal != EC_OK) {
        /* the error document goes to stdout unless stdout carries the output */
        if (strcmp(o->out, "-") == 0) {
            cli_error_clean(&st->error);
            cli_error_line("reprice", &st->error);
            return EXIT_REFUSED;
        }
        return cli_refuse("reprice", &st->error);
    }
    return st->rejected ? EXIT_REJECTS : EXIT_OK;
}

static int run_job(const options *o, rp_job *job)
{
    rp_io io = {.rej_fd = -1,
                .chunk_size = o->chunk_size ? o->chunk_size : (size_t)1 << 20,
                .threads = o->threads,
                .max_rejects = o->max_rejects};
    rp_stats st;
    if (!io.threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        io.threads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
    }
    int rc = open_files(o, &io);
    if (rc == EXIT_OK) {
        io.progress = o->progress >= 0 ? o->progress : isatty(STDERR_FILENO);
        if (job->in_fmt == RP_XML) rp_feed_global_init();
        rp_run(job, &io, &st);
        rc = finish(o, &st);
    }
    close_files(&io);
    return rc;
}

static int run_reprice(int argc, char **argv)
{
    options o = {.progress = -1, .max_rejects = UINT64_MAX};
    rp_job job;
    char *copies[MAX_CONTEXTS] = {0};
    memset(&job, 0, sizeof job);
    int rc = parse_options(argc, argv, &o);
    if (rc != CLI_PARSED) return rc;
    rc = check_formats(&o, &job);
    if (rc != EXIT_OK) return rc;
    job.changed_only = o.changed_only;
    job.strict = o.strict;
    job.rules = cli_load_rules(o.rules, &rc);
    if (!job.rules) return rc;
    job.rp = ec_repricer_new(job.rules);
    if (!job.rp) rp_oom();
    rc = make_contexts(&o, &job, copies);
    if (rc == EXIT_OK) rc = run_job(&o, &job);
    free_contexts(&job);
    for (int i = 0; i < MAX_CONTEXTS; i++) free(copies[i]);
    free(job.feed.wrapper_head.p);
    free(job.feed.wrapper_tail.p);
    free(job.feed.prolog.p);
    ec_repricer_free((ec_repricer *)job.rp);
    ec_ruleset_free((ec_ruleset *)job.rules);
    return rc;
}

const cli_command cli_reprice = {
    "reprice",
    "reprice --rules RULES --in IN --out OUT [options]",
    "recompute the price of every SKU of a catalog (CSV,\n"
    "JSON lines or a product feed) in one or more contexts",
    "Recompute the effective price of every row of a catalog (CSV, JSON lines or\n"
    "an RSS 2.0 product feed) in one or more selling contexts, with the engine of\n"
    "'ecom cart price'.  IN and OUT are files, or - for stdin and stdout.\n"
    "\n"
    "options:\n"
    "  --rules FILE            the ruleset (required)\n"
    "  --in FILE, --out FILE   input and output (required)\n"
    "  --in-format FMT, --out-format FMT\n"
    "                          csv, jsonl or xml (default: from the file name's\n"
    "                          extension, else csv); XML output needs XML input\n"
    "  --currency C, --country CC, --customer-group G, --channel CH\n"
    "                          one selling context\n"
    "  --region R, --postal-code P, --tax-class T\n"
    "                          the tax jurisdiction of display prices (ISO 3166-2\n"
    "                          region, postal code, the customer's tax class)\n"
    "  --context currency=EUR,country=DE,customer_group=b2b,channel=web[,at=TIME]\n"
    "            [,region=US-CA,postal_code=90012,tax_class=b2b]\n"
    "                          one context per option instead (at most 64)\n"
    "  --at TIME               the pricing instant, RFC 3339 (default: now)\n"
    "  --changed-only          leave out records whose price equals current_price\n"
    "  --rejects FILE          every rejected row as a JSON line (default: the\n"
    "                          first ten on stderr)\n"
    "  --max-rejects N         stop (exit 1) once more than N rows are rejected\n"
    "  --strict                stop (exit 1) at the first rejected row\n"
    "  --threads N             worker threads (default: all cores)\n"
    "  --chunk-size BYTES      bytes read at a time (default 1048576)\n"
    "  --progress, --no-progress\n"
    "                          a progress bar on stderr (default: on a terminal)\n"
    "  -h, --help              print this help\n"
    "\n"
    "Exit status: 0 every row priced; 3 finished, some rows rejected (the output\n"
    "holds the others); 1 refused or stopped: a bad ruleset, header or feed, a\n"
    "record over 64 MiB, --strict or --max-rejects, or no row priced at all (the\n"
    "output is incomplete); 2 usage.  docs/batch.md has the details.\n",
    run_reprice,
};
