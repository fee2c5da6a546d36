/* reprice.c - benchmark of `ecom reprice`, the nightly repricing job.
 *
 * Generates in a temporary directory (under $TMPDIR, else /tmp):
 * - a catalog of BENCH_ROWS rows (default 10,000,000) with the columns
 *   sku,price,currency,categories,tax_category;
 * - a ruleset with 3 price lists of 2,000 entries each and 60 product
 *   promotions (by category, by listed SKUs, by SKU pattern, on every SKU
 *   with exclusions, some for one customer group), and tax rates;
 * - a Google Merchant Center feed of BENCH_FEED_ITEMS items (default
 *   2,000,000) for the same SKUs.
 * Then it times, BENCH_RUNS times each (default 3), and prints medians:
 * `wc -l` on the catalog (one plain pass over the file, for scale), ecom
 * reprice CSV in and CSV out, feed in and feed out, and the same CSV job
 * on a tenth of the catalog, to show that peak memory does not follow the
 * input's size.  Peak RSS is the child's ru_maxrss.  Outputs go to files
 * in the same directory, which is removed at the end (BENCH_KEEP=1 keeps
 * it).  ecom is found next to this program (../bin/ecom) or in $ECOM. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NCATS 40
#define LIST_ENTRIES 2000
#define AT "2026-11-28T10:00:00Z"

typedef struct timing {
    double seconds;
    long rss_kb;
    int status;
} timing;

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static long env_long(const char *name, long fallback)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 10) : fallback;
}

static FILE *create(const char *dir, const char *name, char *path)
{
    snprintf(path, PATH_MAX, "%.4000s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench: cannot create %s: %s\n", path, strerror(errno));
        exit(1);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

/* ---- workload ------------------------------------------------------------------------- */

static void write_catalog(const char *dir, const char *name, long rows, char *path)
{
    FILE *f = create(dir, name, path);
    fputs("sku,price,currency,categories,tax_category\n", f);
    for (long i = 0; i < rows; i++) {
        uint32_t r = next();
        fprintf(f, "SKU-%08ld,%u.%02u,EUR,cat%02u|cat%02u,%s\n", i, 1 + r % 500, (r >> 9) % 100,
                (r >> 16) % NCATS, (r >> 22) % NCATS, i % 5 ? "standard" : "reduced");
    }
    fclose(f);
}

static void write_feed(const char *dir, long items, char *path)
{
    FILE *f = create(dir, "feed.xml", path);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<rss xmlns:g=\"http://base.google.com/ns/1.0\" version=\"2.0\">\n<channel>\n"
          "<title>Benchmark shop</title>\n<link>https://shop.example/</link>\n",
          f);
    for (long i = 0; i < items; i++) {
        uint32_t r = next();
        fprintf(f,
                "<item><g:id>SKU-%08ld</g:id><g:title>Product %ld</g:title>"
                "<g:price>%u.%02u EUR</g:price><g:product_type>cat%02u &gt; cat%02u"
                "</g:product_type><g:availability>in stock</g:availability></item>\n",
                i, i, 1 + r % 500, (r >> 9) % 100, (r >> 16) % NCATS, (r >> 22) % NCATS);
    }
    fputs("</channel>\n</rss>\n", f);
    fclose(f);
}

static void write_lists(FILE *f, long rows)
{
    static const char *const context[] = {"", "\"customer_groups\": [\"b2b\"], ",
                                          "\"channels\": [\"web\"], \"valid_from\": "
                                          "\"2026-11-01T00:00:00Z\", "};
    fputs("\"price_lists\": [", f);
    for (int l = 0; l < 3; l++) {
        fprintf(f, "%s{\"id\": \"list-%d\", \"priority\": %d, %s\"prices\": [", l ? ", " : "", l,
                10 * l, context[l]);
        /* distinct SKUs: a stride through the catalog from a random start */
        long start = next() % rows, stride = rows / LIST_ENTRIES;
        for (int e = 0; e < LIST_ENTRIES; e++)
            fprintf(f, "%s{\"sku\": \"SKU-%08ld\", \"price\": \"%u.%02u\"}", e ? ", " : "",
                    (start + e * stride) % rows, 1 + next() % 400, next() % 100);
        fputs("]}", f);
    }
    fputs("], ", f);
}

static void write_target(FILE *f, int p, long rows)
{
    switch (p % 6) {
    case 0:
    case 1:
    case 2: /* half of them by category */
        fprintf(f, "\"target\": {\"categories\": [\"cat%02u\", \"cat%02u\"]}, ", next() % NCATS,
                next() % NCATS);
        break;
    case 3: /* a list of SKUs */
        fputs("\"target\": {\"skus\": [", f);
        for (int k = 0; k < 20; k++) fprintf(f, "%s\"SKU-%08ld\"", k ? ", " : "", next() % rows);
        fputs("]}, ", f);
        break;
    case 4: /* a pattern: prefixes, and one that needs the regex engine */
        if (p == 4)
            fputs("\"target\": {\"sku_pattern\": \"-(12|34)5$\"}, ", f);
        else
            fprintf(f, "\"target\": {\"sku_pattern\": \"^SKU-00%u\"}, ", next() % 100);
        break;
    default: /* every SKU but a few */
        fprintf(f, "\"target\": {\"exclude_skus\": [\"SKU-%08ld\"]}, ", next() % rows);
    }
}

static void write_rules(const char *dir, long rows, char *path)
{
    FILE *f = create(dir, "rules.json", path);
    fputs("{\"currency\": \"EUR\", \"tax\": ["
          "{\"category\": \"standard\", \"country\": \"DE\", \"percent\": \"19\"}, "
          "{\"category\": \"reduced\", \"country\": \"DE\", \"percent\": \"7\"}, "
          "{\"category\": \"standard\", \"country\": \"*\", \"percent\": \"20\"}, "
          "{\"category\": \"reduced\", \"country\": \"*\", \"percent\": \"10\"}], ",
          f);
    write_lists(f, rows);
    fputs("\"promotions\": [", f);
    for (int p = 0; p < 60; p++) {
        fprintf(f, "%s{\"id\": \"PROMO-%02d\", \"level\": \"product\", \"priority\": %u, ",
                p ? ", " : "", p, next() % 100);
        if (p % 10 == 9) fputs("\"customer_groups\": [\"b2b\"], ", f);
        write_target(f, p, rows);
        if (p % 3 == 0)
            fprintf(f, "\"action\": {\"type\": \"amount_off_each\", \"amount\": \"%u.00\"}}",
                    1 + next() % 5);
        else
            fprintf(f, "\"action\": {\"type\": \"percent_off\", \"percent\": \"%u\"}}",
                    5 + next() % 30);
    }
    fputs("]}\n", f);
    fclose(f);
}

/* ---- running ------------------------------------------------------------------------------ */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run argv with stdout and stderr sent to files; its time and peak RSS. */
static timing run(char *const argv[], const char *out, const char *err)
{
    timing t = {0, 0, -1};
    double start = now();
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    struct rusage ru;
    int status = 0;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return t;
    t.seconds = now() - start;
    t.rss_kb = ru.ru_maxrss;
    t.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return t;
}

static int by_seconds(const void *a, const void *b)
{
    double x = ((const timing *)a)->seconds, y = ((const timing *)b)->seconds;
    return (x > y) - (x < y);
}

/* The median of `runs` runs (by time); stops the benchmark on a failure. */
static timing median(int runs, char *const argv[], const char *out, const char *err)
{
    timing t[16];
    if (runs > 16) runs = 16;
    for (int i = 0; i < runs; i++) {
        t[i] = run(argv, out, err);
        if (t[i].status != 0) {
            fprintf(stderr, "bench: %s exited with status %d; see %s\n", argv[0], t[i].status, err);
            exit(1);
        }
    }
    qsort(t, (size_t)runs, sizeof t[0], by_seconds);
    return t[runs / 2];
}

static void find_ecom(char *ecom)
{
    const char *env = getenv("ECOM");
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (env && *env) {
        snprintf(ecom, PATH_MAX, "%s", env);
    } else if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) *slash = '\0';
        snprintf(ecom, PATH_MAX, "%.*s/../bin/ecom", PATH_MAX - 16, self);
    }
    if (access(ecom, X_OK) != 0) {
        fprintf(stderr, "bench: no ecom at %s: build it first (make), or set ECOM\n", ecom);
        exit(1);
    }
}

static long file_mb(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)(st.st_size >> 20) : 0;
}

int main(void)
{
    long rows = env_long("BENCH_ROWS", 10000000), items = env_long("BENCH_FEED_ITEMS", 2000000);
    int runs = (int)env_long("BENCH_RUNS", 3);
    char ecom[PATH_MAX], dir[PATH_MAX], catalog[PATH_MAX], small[PATH_MAX], feed[PATH_MAX],
        rules[PATH_MAX], out[PATH_MAX], err[PATH_MAX], feed_out[PATH_MAX];
    const char *tmp = getenv("TMPDIR");
    if (rows < 10 || items < 1 || runs < 1) {
        fputs("bench: BENCH_ROWS >= 10, BENCH_FEED_ITEMS >= 1, BENCH_RUNS >= 1\n", stderr);
        return 1;
    }
    rows -= rows % 10;
    find_ecom(ecom);
    snprintf(dir, sizeof dir, "%s/ecom-reprice-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "bench: cannot create a directory in %s\n", tmp ? tmp : "/tmp");
        return 1;
    }
    printf("generating %ld catalog rows, %ld feed items, a ruleset in %s ...\n", rows, items, dir);
    fflush(stdout);
    write_rules(dir, rows, rules);
    write_catalog(dir, "catalog.csv", rows, catalog);
    write_catalog(dir, "tenth.csv", rows / 10, small);
    write_feed(dir, items, feed);
    snprintf(out, sizeof out, "%.4000s/out.csv", dir);
    snprintf(feed_out, sizeof feed_out, "%.4000s/out.xml", dir);
    snprintf(err, sizeof err, "%.4000s/stderr.txt", dir);

    char *wc[] = {"wc", "-l", catalog, NULL};
    char *csv[] = {ecom, "reprice",   "--rules", rules,  "--in", catalog,         "--out",
                   out,  "--country", "DE",      "--at", AT,     "--no-progress", NULL};
    char *tenth[] = {ecom, "reprice",   "--rules", rules,  "--in", small,           "--out",
                     out,  "--country", "DE",      "--at", AT,     "--no-progress", NULL};
    char *xml[] = {ecom,   "reprice", "--rules",       rules,       "--in",
                   feed,   "--out",   feed_out,        "--country", "DE",
                   "--at", AT,        "--no-progress", NULL};
    timing t_wc = median(runs, wc, "/dev/null", err);
    timing t_csv = median(runs, csv, "/dev/null", err);
    long out_mb = file_mb(out);
    timing t_tenth = median(runs, tenth, "/dev/null", err);
    timing t_xml = median(runs, xml, "/dev/null", err);

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("ecom reprice, %ld cores, median of %d runs (%s)\n", cores, runs, ecom);
    printf("  %-38s %7.2f s\n", "wc -l catalog.csv (for scale)", t_wc.seconds);
    printf("  %-38s %7.2f s  %6.2f M rows/s   peak RSS %4ld MB\n", "CSV in, CSV out", t_csv.seconds,
           (double)rows / t_csv.seconds / 1e6, t_csv.rss_kb / 1024);
    printf("  %-38s %7.2f s  %6.2f M items/s  peak RSS %4ld MB\n", "feed in, feed out",
           t_xml.seconds, (double)items / t_xml.seconds / 1e6, t_xml.rss_kb / 1024);
    printf("  %-38s %7.2f s  %6.2f M rows/s   peak RSS %4ld MB\n", "CSV, a tenth of the rows",
           t_tenth.seconds, (double)(rows / 10) / t_tenth.seconds / 1e6, t_tenth.rss_kb / 1024);
    printf("  input %ld MB CSV (%ld rows), %ld MB feed (%ld items); output %ld MB CSV\n",
           file_mb(catalog), rows, file_mb(feed), items, out_mb);
    printf("  feed items: g:id, g:title, g:price, g:product_type (with &gt;), g:availability\n");
    if (env_long("BENCH_KEEP", 0)) {
        printf("  kept %s\n", dir);
    } else {
        const char *names[] = {catalog, small, feed, rules, out, err, feed_out};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlink(names[i]);
        rmdir(dir);
    }
    return 0;
}
