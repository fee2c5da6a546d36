/* reprice_cmd.c - `ecom reprice` (cli.md): options, selling contexts,
 * files, the summary line and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "reprice_cli.h"

#define MAX_CONTEXTS 64
#define MAX_THREADS 256

static const char usage_text[] =
    "usage: ecom reprice --rules RULES --in IN --out OUT [options]\n"
    "  --in-format, --out-format csv|jsonl|xml   (default: from the file name, else csv)\n"
    "  --currency C --country CC --customer-group G --channel CH --at TIME\n"
    "  --region R --postal-code P --tax-class T   (the tax jurisdiction of display prices)\n"
    "  --context currency=EUR,country=DE,customer_group=b2b,channel=web[,at=TIME]\n"
    "            [,region=US-CA,postal_code=90012,tax_class=b2b]   (repeatable)\n"
    "  --threads N  --changed-only  --rejects FILE  --strict  --progress | --no-progress\n"
    "  --chunk-size BYTES   (default 1 MiB)\n";

typedef struct options {
    const char *rules, *in, *out, *rejects, *in_format, *out_format;
    const char *currency, *country, *group, *channel, *at, *region, *postal, *tax_class;
    const char *contexts[MAX_CONTEXTS];
    int ncontexts, threads, changed_only, strict, progress;
    size_t chunk_size;
} options;

/* ---- options ------------------------------------------------------------------------------ */

static int number(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return 0;
    *out = v;
    return 1;
}

/* "--name value" or "--name=value"; advances *i past what it took. */
static const char *value_of(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc) return NULL;
    return argv[++*i];
}

static int parse_flag(options *o, const char *a)
{
    if (strcmp(a, "--changed-only") == 0)
        o->changed_only = 1;
    else if (strcmp(a, "--strict") == 0)
        o->strict = 1;
    else if (strcmp(a, "--progress") == 0)
        o->progress = 1;
    else if (strcmp(a, "--no-progress") == 0)
        o->progress = 0;
    else
        return 0;
    return 1;
}

static int parse_options(int argc, char **argv, options *o)
{
    static const char *const names[] = {
        "--rules",      "--in",       "--out",         "--rejects",        "--in-format",
        "--out-format", "--currency", "--country",     "--customer-group", "--channel",
        "--at",         "--region",   "--postal-code", "--tax-class"};
    const char **slots[] = {&o->rules,      &o->in,       &o->out,     &o->rejects,  &o->in_format,
                            &o->out_format, &o->currency, &o->country, &o->group,    &o->channel,
                            &o->at,         &o->region,   &o->postal,  &o->tax_class};
    long long v;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        size_t k = 0;
        for (; k < sizeof names / sizeof names[0]; k++)
            if ((val = value_of(argc, argv, &i, names[k])) != NULL) break;
        if (val) {
            *slots[k] = val;
        } else if ((val = value_of(argc, argv, &i, "--context")) != NULL) {
            if (o->ncontexts == MAX_CONTEXTS)
                return cli_usage("at most %d --context options", MAX_CONTEXTS);
            o->contexts[o->ncontexts++] = val;
        } else if ((val = value_of(argc, argv, &i, "--threads")) != NULL) {
            if (!number(val, 1, MAX_THREADS, &v))
                return cli_usage("--threads takes 1 to %d, not '%s'", MAX_THREADS, val);
            o->threads = (int)v;
        } else if ((val = value_of(argc, argv, &i, "--chunk-size")) != NULL) {
            if (!number(val, 1, (long long)1 << 30, &v))
                return cli_usage("--chunk-size takes 1 to 1073741824 bytes, not '%s'", val);
            o->chunk_size = (size_t)v;
        } else if (!parse_flag(o, argv[i])) {
            return cli_usage("reprice: unexpected argument '%s'", argv[i]);
        }
    }
    if (!o->rules || !o->in || !o->out)
        return cli_usage("reprice needs --rules, --in and --out\n%s", usage_text);
    if (o->ncontexts && (o->currency || o->country || o->group || o->channel || o->region ||
                         o->postal || o->tax_class))
        return cli_usage("give either --context or --currency/--country/--customer-group/"
                         "--channel/--region/--postal-code/--tax-class, not both");
    return EXIT_OK;
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
        *out = RP_CSV; /* an unknown extension: csv, as cli.md says */
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

static int finish(const options *o, const rp_stats *st)
{
    double secs = st->seconds > 0 ? st->seconds : 1e-9;
    fprintf(stderr,
            "reprice: %llu rows, %llu priced, %llu rejected, %llu changed, %.2f s, "
            "%.2f M rows/s\n",
            (unsigned long long)st->rows, (unsigned long long)st->priced,
            (unsigned long long)st->rejected, (unsigned long long)st->changed, st->seconds,
            (double)st->rows / secs / 1e6);
    if (st->fatal != EC_OK) {
        /* the error document goes to stdout unless stdout carries the output */
        if (strcmp(o->out, "-") == 0) {
            fprintf(stderr, "ecom: reprice refused: %s%s%s: %s\n", ec_status_name(st->error.code),
                    st->error.field[0] ? " at " : "", st->error.field, st->error.message);
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
                .threads = o->threads};
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

int cmd_reprice(int argc, char **argv)
{
    options o = {.progress = -1};
    rp_job job;
    char *copies[MAX_CONTEXTS] = {0};
    memset(&job, 0, sizeof job);
    int rc = parse_options(argc, argv, &o);
    if (rc == EXIT_OK) rc = check_formats(&o, &job);
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
