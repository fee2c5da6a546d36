/* reprice_pipeline.c - the threads of `ecom reprice`.
 *
 * The calling thread reads: large blocks, cut after the last whole record
 * (the rest is carried into the next chunk), numbered in input order.
 * Workers take chunks from a queue, parse and price them (all sharing one
 * repricer and its contexts, each with its own item and results), and
 * hand them to the writer, which emits them strictly by number and counts
 * lines so that rejects carry their line in the input.  Chunks come from a
 * pool of 2 * threads + 2: a slow writer stops the reader, and memory stays
 * bounded by chunk size * pool whatever the input's size. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "reprice_cli.h"

/* A record longer than this (an unclosed quote swallowing the file, a
 * feed without items) ends the run: no chunk can hold it. */
#define RP_MAX_RECORD ((size_t)64 << 20)
#define RP_STDERR_REJECTS 10

typedef struct run {
    rp_job *job;
    const rp_io *io;
    rp_stats *st;
    pthread_mutex_t mu;
    pthread_cond_t cv_free, cv_work, cv_done;
    rp_chunk *pool;
    size_t npool;
    rp_chunk **free, **work, **done;
    size_t nfree, work_head, nwork;
    int last_queued;                  /* the reader queued its END */
    atomic_int abort;                 /* the writer stopped the run */
    atomic_uint_least64_t bytes_read; /* for the progress bar */
    size_t head, tail;                /* room around each chunk's data (feed wrapper) */
    struct timespec t0, last_progress;
} run;

/* ---- the pool and the queues ----------------------------------------------------------- */

static rp_chunk *take_free(run *R)
{
    pthread_mutex_lock(&R->mu);
    while (R->nfree == 0) pthread_cond_wait(&R->cv_free, &R->mu);
    rp_chunk *c = R->free[--R->nfree];
    pthread_mutex_unlock(&R->mu);
    c->kind = RP_CHUNK_DATA;
    c->len = c->nlines = 0;
    c->out.len = c->rej.len = 0;
    c->nrejs = c->nitems = 0;
    c->rows = c->priced = c->rejected = c->changed = 0;
    c->stop = c->fatal_abs = 0;
    c->fatal = EC_OK;
    c->head = R->head;
    return c;
}

static void give_back(run *R, rp_chunk *c)
{
    /* a chunk that grew for one huge record must not keep its memory */
    size_t big = 8 * (R->io->chunk_size + R->head + R->tail + 4096);
    if (c->cap > big) {
        free(c->mem);
        c->mem = NULL;
        c->cap = 0;
    }
    if (c->out.cap > big) {
        free(c->out.p);
        memset(&c->out, 0, sizeof c->out);
    }
    pthread_mutex_lock(&R->mu);
    R->free[R->nfree++] = c;
    pthread_cond_signal(&R->cv_free);
    pthread_mutex_unlock(&R->mu);
}

static void queue_work(run *R, rp_chunk *c)
{
    pthread_mutex_lock(&R->mu);
    R->work[(R->work_head + R->nwork++) % R->npool] = c;
    if (c->kind == RP_CHUNK_END) R->last_queued = 1;
    pthread_cond_broadcast(&R->cv_work);
    pthread_mutex_unlock(&R->mu);
}

/* The next chunk to process, or NULL when the reader is done. */
static rp_chunk *take_work(run *R)
{
    pthread_mutex_lock(&R->mu);
    while (R->nwork == 0 && !R->last_queued) pthread_cond_wait(&R->cv_work, &R->mu);
    rp_chunk *c = NULL;
    if (R->nwork) {
        c = R->work[R->work_head];
        R->work_head = (R->work_head + 1) % R->npool;
        R->nwork--;
    }
    pthread_mutex_unlock(&R->mu);
    return c;
}

static void put_done(run *R, rp_chunk *c)
{
    pthread_mutex_lock(&R->mu);
    R->done[c->seq % R->npool] = c;
    pthread_cond_signal(&R->cv_done);
    pthread_mutex_unlock(&R->mu);
}

static rp_chunk *take_done(run *R, uint64_t seq)
{
    pthread_mutex_lock(&R->mu);
    rp_chunk *c;
    while (!(c = R->done[seq % R->npool]) || c->seq != seq) pthread_cond_wait(&R->cv_done, &R->mu);
    R->done[seq % R->npool] = NULL;
    pthread_mutex_unlock(&R->mu);
    return c;
}

/* ---- workers ------------------------------------------------------------------------------ */

static void process(rp_worker *w, rp_chunk *c)
{
    const rp_job *job = w->job;
    w->chunk = c;
    switch (c->kind) {
    case RP_CHUNK_DATA:
        if (job->in_fmt == RP_CSV)
            rp_csv_process(w, c);
        else if (job->in_fmt == RP_JSONL)
            rp_jsonl_process(w, c);
        else
            rp_feed_process(w, c);
        break;
    case RP_CHUNK_EPILOG:
        rp_feed_epilog(w, c);
        break;
    case RP_CHUNK_VERBATIM:
    case RP_CHUNK_SKIP:
        if (c->kind == RP_CHUNK_VERBATIM && job->out_fmt == RP_XML)
            rp_buf_put(&c->out, rp_chunk_data(c), c->len);
        for (size_t i = 0; i < c->len; i++) c->nlines += rp_chunk_data(c)[i] == '\n';
        break;
    default:
        break;
    }
}

static void *worker_main(void *arg)
{
    run *R = arg;
    rp_worker w;
    rp_worker_init(&w, R->job);
    rp_chunk *c;
    while ((c = take_work(R)) != NULL) {
        /* after a stop, chunks only pass through */
        if (!atomic_load_explicit(&R->abort, memory_order_relaxed)) process(&w, c);
        put_done(R, c);
    }
    rp_worker_free(&w);
    return NULL;
}

/* ---- the writer -------------------------------------------------------------------------------
 */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static double since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

static void progress(run *R, int final)
{
    if (!R->io->progress) return;
    if (final) {
        fputs("\r\033[K", stderr);
        return;
    }
    if (since(&R->last_progress) < 0.25) return;
    clock_gettime(CLOCK_MONOTONIC, &R->last_progress);
    double t = since(&R->t0), rows = (double)R->st->rows;
    if (R->io->in_size > 0) {
        uint64_t read = atomic_load_explicit(&R->bytes_read, memory_order_relaxed);
        int pct = (int)(100.0 * (double)read / (double)R->io->in_size);
        char bar[31];
        for (int i = 0; i < 30; i++) bar[i] = i < pct * 30 / 100 ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\rreprice [%s] %3d%%  %.1f M rows  %.2f M rows/s ", bar, pct, rows / 1e6,
                t > 0 ? rows / t / 1e6 : 0.0);
    } else {
        fprintf(stderr, "\rreprice %.1f M rows  %.2f M rows/s ", rows / 1e6,
                t > 0 ? rows / t / 1e6 : 0.0);
    }
}

/* Where and why the run stopped: a fatal chunk or the --strict row. */
static void stopped(run *R, const rp_chunk *c, uint64_t base)
{
    rp_stats *st = R->st;
    ec_error *e = &st->error;
    if (c->fatal != EC_OK) {
        st->fatal = c->fatal;
        e->code = c->fatal;
        snprintf(e->field, sizeof e->field, "%s", c->fatal_field);
        snprintf(e->message, sizeof e->message, "line %llu: %.200s",
                 (unsigned long long)(c->fatal_abs ? c->fatal_line : base + c->fatal_line),
                 c->fatal_msg);
    } else {
        st->fatal = (ec_status)c->stop_err.code;
        *e = c->stop_err;
        snprintf(e->message, sizeof e->message, "line %llu: %.200s",
                 (unsigned long long)(base + c->stop_line), c->stop_err.message);
    }
    atomic_store(&R->abort, 1);
}

/* --max-rejects: when this chunk's rejects go beyond the limit, the run
 * ends at the row that did, as --strict ends at the first: the chunk's
 * output, rejects and counts are cut there, and the writer stops. */
static void over_limit(run *R, rp_chunk *c, uint64_t base)
{
    rp_stats *st = R->st;
    uint64_t limit = R->io->max_rejects;
    if (limit == UINT64_MAX || st->rejected + c->nrejs <= limit) return;
    const rp_reject *r = &c->rejs[limit - st->rejected];
    c->nrejs = (size_t)(limit - st->rejected) + 1;
    c->out.len = r->out_len;
    c->priced = r->priced;
    c->changed = r->changed;
    c->rejected = c->nrejs;
    c->rows = c->priced + c->rejected;
    st->fatal = EC_LIMIT_EXCEEDED;
    st->error.code = EC_LIMIT_EXCEEDED;
    st->error.field[0] = '\0';
    snprintf(st->error.message, sizeof st->error.message,
             "line %llu: more than %llu rows rejected (--max-rejects %llu)",
             (unsigned long long)(base + r->line), (unsigned long long)limit,
             (unsigned long long)limit);
    c->stop = 0; /* this is the reason the run ends, not a --strict row */
    atomic_store(&R->abort, 1);
}

static int emit(run *R, rp_chunk *c, uint64_t base)
{
    char num[48];
    if (c->out.len && write_all(R->io->out_fd, c->out.p, c->out.len) < 0) return -1;
    for (size_t i = 0; i < c->nrejs; i++) {
        int n = snprintf(num, sizeof num, "{\"line\":%llu,",
                         (unsigned long long)(base + c->rejs[i].line));
        const char *text = c->rej.p + c->rejs[i].off;
        if (R->io->rej_fd >= 0) {
            if (write_all(R->io->rej_fd, num, (size_t)n) < 0 ||
                write_all(R->io->rej_fd, text, c->rejs[i].len) < 0)
                return -1;
        } else if (R->st->rejected + i < RP_STDERR_REJECTS) {
            fprintf(stderr, "reprice: rejected %s%.*s", num, (int)c->rejs[i].len, text);
        } else if (R->st->rejected + i == RP_STDERR_REJECTS) {
            fputs("reprice: more rows rejected; --rejects FILE lists them all\n", stderr);
        }
    }
    return 0;
}

static void *writer_main(void *arg)
{
    run *R = arg;
    rp_stats *st = R->st;
    uint64_t seq = 0, base = 1;
    for (;;) {
        rp_chunk *c = take_done(R, seq++);
        int kind = c->kind;
        if (kind != RP_CHUNK_END && !atomic_load(&R->abort)) {
            over_limit(R, c, base);
            if (emit(R, c, base) < 0) {
                st->fatal = EC_INTERNAL;
                st->error.code = EC_INTERNAL;
                snprintf(st->error.message, sizeof st->error.message,
                         "line %llu: cannot write the output: %s", (unsigned long long)base,
                         strerror(errno));
                atomic_store(&R->abort, 1);
            }
            if (st->rejected == 0 && c->nrejs > 0) {
                st->first_reject = c->first_err;
                st->first_reject_line = base + c->rejs[0].line;
            }
            st->rows += c->rows;
            st->priced += c->priced;
            st->rejected += c->rejected;
            st->changed += c->changed;
            if (c->stop && st->fatal == EC_OK) stopped(R, c, base);
            base += c->nlines;
            progress(R, 0);
        }
        give_back(R, c);
        if (kind == RP_CHUNK_END) break;
    }
    progress(R, 1);
    return NULL;
}

/* ---- the reader
 * ---------------------------------------------------------------------------------- */

typedef struct reader {
    run *R;
    rp_chunk *c;
    size_t have;   /* data bytes in c */
    size_t target; /* data bytes to read before cutting */
    int eof;
    uint64_t seq;
} reader;

static void reserve(reader *rd, rp_chunk *c, size_t data)
{
    size_t need = rd->R->head + data + rd->R->tail + 1;
    if (c->cap < need) {
        c->mem = rp_xrealloc(c->mem, need);
        c->cap = need;
    }
}

static void send(reader *rd, rp_chunk *c, int kind, size_t len)
{
    c->kind = kind;
    c->len = len;
    c->seq = rd->seq++;
    queue_work(rd->R, c);
}

/* The reader's own failure at byte `at` of the data not yet sent,
 * reported in order after what came before, with its line: the writer
 * adds the newlines before `at` to the line where that data starts. */
static void send_fatal(reader *rd, ec_status st, const char *field, const char *msg, size_t at)
{
    const char *d = rp_chunk_data(rd->c);
    uint64_t lines = 0;
    for (const char *e = d + (at < rd->have ? at : rd->have);
         (d = memchr(d, '\n', (size_t)(e - d))); d++)
        lines++;
    rp_chunk *c = take_free(rd->R);
    rp_chunk_fail(c, st, lines, "%s", msg);
    snprintf(c->fatal_field, sizeof c->fatal_field, "%s", field ? field : "");
    send(rd, c, RP_CHUNK_FATAL, 0);
}

/* Start a new chunk holding what follows the first `keep_from` bytes. */
static void carry(reader *rd, size_t keep_from)
{
    rp_chunk *next = take_free(rd->R);
    size_t left = rd->have - keep_from;
    reserve(rd, next, left > rd->target ? left : rd->target);
    memcpy(rp_chunk_data(next), rp_chunk_data(rd->c) + keep_from, left);
    rd->c = next;
    rd->have = left;
}

static int fill(reader *rd)
{
    run *R = rd->R;
    reserve(rd, rd->c, rd->target);
    while (!rd->eof && rd->have < rd->target) {
        ssize_t k = read(R->io->in_fd, rp_chunk_data(rd->c) + rd->have, rd->target - rd->have);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) rd->eof = 1;
        rd->have += (size_t)k;
        atomic_fetch_add_explicit(&R->bytes_read, (uint64_t)k, memory_order_relaxed);
    }
    return 0;
}

/* A cut found nothing whole: read more, into a larger chunk if full. */
static int need_more(reader *rd)
{
    if (rd->have < rd->target) return 1;
    if (rd->target >= RP_MAX_RECORD) {
        /* the record (or the feed's next item) starts where the data does */
        send_fatal(rd, EC_LIMIT_EXCEEDED, NULL,
                   rd->R->job->in_fmt == RP_XML
                       ? "no complete <item> within the 64 MiB of the feed from here"
                       : "a record is longer than 64 MiB (an unclosed quote?)",
                   0);
        return 0;
    }
    rd->target *= 2;
    return 1;
}

/* The CSV header or the feed's prolog; 0 when done, 1 to read more, -1
 * to stop. */
static int prologue(reader *rd)
{
    rp_job *job = rd->R->job;
    rp_refusal why = {EC_OK, 0, "", ""};
    char *p = rp_chunk_data(rd->c);
    long k = job->in_fmt == RP_CSV ? rp_csv_prologue(job, p, rd->have, rd->eof, &why)
                                   : rp_feed_prologue(job, p, rd->have, rd->eof, &why);
    if (k == -1) return need_more(rd) ? 1 : -1;
    if (k == -2) {
        send_fatal(rd, why.status, why.field, why.msg, why.at);
        return -1;
    }
    rp_chunk *done = rd->c;
    if (job->in_fmt == RP_XML && job->feed.found_item) {
        rd->R->head = job->feed.wrapper_head.len; /* later chunks get the wrapper's room */
        rd->R->tail = job->feed.wrapper_tail.len;
    }
    carry(rd, (size_t)k);
    send(rd, done, job->in_fmt == RP_CSV ? RP_CHUNK_SKIP : RP_CHUNK_VERBATIM, (size_t)k);
    return 0;
}

static void strip_bom(reader *rd)
{
    char *p = rp_chunk_data(rd->c);
    if (rd->have >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        memmove(p, p + 3, rd->have - 3);
        rd->have -= 3;
    }
}

static size_t cut(reader *rd, rp_refusal *why)
{
    const rp_job *job = rd->R->job;
    const char *p = rp_chunk_data(rd->c);
    if (job->in_fmt == RP_CSV) return rp_csv_split(p, rd->have, rd->eof);
    if (job->in_fmt == RP_JSONL) return rp_jsonl_split(p, rd->have, rd->eof);
    if (!job->feed.found_item) return 0; /* all of it was prolog */
    return rp_feed_split(job, rd->c, p, rd->have, rd->eof, why);
}

static void read_all(run *R)
{
    reader rd = {R, take_free(R), 0, R->io->chunk_size, 0, 0};
    int started = R->job->in_fmt == RP_JSONL, bom = R->job->in_fmt != RP_XML;
    rp_refusal why = {EC_OK, 0, "", ""};
    while (!atomic_load_explicit(&R->abort, memory_order_relaxed)) {
        if (fill(&rd) < 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "cannot read the input: %s", strerror(errno));
            send_fatal(&rd, EC_INVALID_FIELD, NULL, msg, rd.have);
            break;
        }
        if (bom && (rd.have >= 3 || rd.eof)) {
            strip_bom(&rd); /* a UTF-8 byte order mark opens many CSV exports */
            bom = 0;
        }
        if (!started) {
            int k = prologue(&rd);
            if (k < 0) break;
            started = k == 0;
            continue;
        }
        size_t n = cut(&rd, &why);
        if (why.status != EC_OK) {
            send_fatal(&rd, why.status, NULL, why.msg, why.at);
            break;
        }
        if (n == 0 && !rd.eof) {
            if (!need_more(&rd)) break;
            continue;
        }
        rp_chunk *full = rd.c;
        carry(&rd, n);
        if (n > 0)
            send(&rd, full, RP_CHUNK_DATA, n);
        else
            give_back(R, full);
        rd.target = R->io->chunk_size > rd.have ? R->io->chunk_size : rd.have * 2;
        if (!rd.eof) continue;
        if (R->job->in_fmt == RP_XML) { /* what follows the last item */
            send(&rd, rd.c, RP_CHUNK_EPILOG, rd.have);
            rd.c = take_free(R);
        }
        break;
    }
    send(&rd, rd.c, RP_CHUNK_END, 0);
}

/* ---- the run
 * ---------------------------------------------------------------------------------------- */

static void free_pool(run *R)
{
    for (size_t i = 0; i < R->npool; i++) {
        rp_chunk *c = &R->pool[i];
        free(c->mem);
        free(c->out.p);
        free(c->rej.p);
        free(c->rejs);
        free(c->items);
    }
    free(R->pool);
    free(R->free);
    free(R->work);
    free(R->done);
}

void rp_run(rp_job *job, const rp_io *io, rp_stats *st)
{
    run R = {.job = job, .io = io, .st = st};
    size_t nthreads = (size_t)io->threads, started = 0;
    pthread_t *tid = calloc(nthreads + 1, sizeof *tid);
    memset(st, 0, sizeof *st);
    R.npool = 2 * nthreads + 2;
    R.pool = calloc(R.npool, sizeof *R.pool);
    R.free = calloc(R.npool, sizeof *R.free);
    R.work = calloc(R.npool, sizeof *R.work);
    R.done = calloc(R.npool, sizeof *R.done);
    if (!tid || !R.pool || !R.free || !R.work || !R.done) rp_oom();
    for (size_t i = 0; i < R.npool; i++) R.free[R.nfree++] = &R.pool[i];
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv_free, NULL);
    pthread_cond_init(&R.cv_work, NULL);
    pthread_cond_init(&R.cv_done, NULL);
    clock_gettime(CLOCK_MONOTONIC, &R.t0);
    R.last_progress.tv_sec = R.t0.tv_sec - 1; /* the bar shows with the first chunk */
    R.last_progress.tv_nsec = R.t0.tv_nsec;
    if (job->out_fmt == RP_CSV) {
        static const char head[] = "sku,currency,country,customer_group,channel,";
        static const char place[] = "region,postal_code,tax_class,";
        static const char tail[] = "list_price,price,price_list,promotion,tax_percent,"
                                   "display_price,changed\n";
        write_all(io->out_fd, head, sizeof head - 1);
        if (job->place) write_all(io->out_fd, place, sizeof place - 1);
        write_all(io->out_fd, tail, sizeof tail - 1);
    }
    int rc = pthread_create(&tid[0], NULL, writer_main, &R);
    for (started = 1; rc == 0 && started <= nthreads; started++)
        rc = pthread_create(&tid[started], NULL, worker_main, &R);
    if (rc != 0) {
        fprintf(stderr, "ecom: reprice: cannot start a thread: %s\n", strerror(rc));
        exit(1); /* threads already running share this stack: no clean way back */
    }
    read_all(&R);
    for (size_t i = 0; i <= nthreads; i++) pthread_join(tid[i], NULL);
    st->seconds = since(&R.t0);
    free_pool(&R);
    free(tid);
    pthread_mutex_destroy(&R.mu);
    pthread_cond_destroy(&R.cv_free);
    pthread_cond_destroy(&R.cv_work);
    pthread_cond_destroy(&R.cv_done);
}
