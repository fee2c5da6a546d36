/* store_sqlite_commit.c - the SQLite adapter's write transactions, with
 * group commit.
 *
 * SQLite has one writer at a time, and with synchronous=FULL each COMMIT
 * waits for the disk.  A request's transaction is therefore a SAVEPOINT
 * inside a batch transaction that several requests share: requests take
 * their turn on the batch connection one after another (write_mu), and
 * the request that ends its turn while nobody else is waiting for one (or
 * when the batch is full) commits the batch for all of them, with one
 * fsync.  A request answers only after its batch is committed, so a 2xx
 * still means "on disk"; when a batch fails, every request in it gets
 * EC_UNAVAILABLE (503) and nothing of it is kept.
 *
 * A request's own failure (ROLLBACK TO its savepoint) leaves the others'
 * work in the batch untouched.  Should SQLite abandon the whole transaction
 * (an I/O error, a full disk), the batch ends there as failed. */
#include <stdlib.h>

#include "store_sqlite.h"

/* Requests per batch at most: bounds how long the first one waits. */
#define SQ_BATCH_MAX 64

/* Wait for the turn on the batch connection; counted while waiting, so
 * that the request ending its turn knows whether anyone is next. */
static void turn_take(sq_store *s)
{
    atomic_fetch_add(&s->turns_waiting, 1);
    pthread_mutex_lock(&s->write_mu);
    atomic_fetch_sub(&s->turns_waiting, 1);
}

static ec_status run(sq_conn *c, int id)
{
    sqlite3_stmt *st = sq_stmt(c, id);
    return st ? sq_step_done(c, st) : EC_UNAVAILABLE;
}

/* The batch is over with `result`: tell its members, free the connection. */
static void batch_end(sq_store *s, ec_status result)
{
    for (ecomd_tx *m = s->batch_members; m; m = m->next) {
        m->result = result;
        m->done = 1;
    }
    s->batch_members = NULL;
    s->batch_size = 0;
    sq_release(s, s->batch_conn);
    s->batch_conn = NULL;
    pthread_cond_broadcast(&s->batch_done);
}

static void batch_commit(sq_store *s)
{
    ec_status rc = run(s->batch_conn, SQ_COMMIT);
    if (rc != EC_OK && !sqlite3_get_autocommit(s->batch_conn->db)) run(s->batch_conn, SQ_ROLLBACK);
    batch_end(s, rc);
}

/* End of a request's turn (write_mu held): commit unless another request
 * is about to add to the batch. */
static void turn_end(sq_store *s)
{
    if (s->batch_conn && (atomic_load(&s->turns_waiting) == 0 || s->batch_size >= SQ_BATCH_MAX))
        batch_commit(s);
}

/* Undo the request's savepoint; a transaction SQLite abandoned ends the batch. */
static void savepoint_undo(sq_store *s, ecomd_tx *tx)
{
    if (sqlite3_get_autocommit(tx->conn->db) || run(tx->conn, SQ_SAVEPOINT_UNDO) != EC_OK ||
        run(tx->conn, SQ_SAVEPOINT_RELEASE) != EC_OK)
        batch_end(s, EC_UNAVAILABLE);
}

ec_status sq_tx_begin(ecomd_store *base, ecomd_tx **out)
{
    sq_store *s = (sq_store *)base;
    ecomd_tx *tx = calloc(1, sizeof *tx);
    if (!tx) return EC_NO_MEMORY;
    tx->store = s;
    turn_take(s);
    if (!s->batch_conn) {
        sq_conn *c = sq_acquire(s);
        if (run(c, SQ_BEGIN) != EC_OK) {
            sq_release(s, c);
            pthread_mutex_unlock(&s->write_mu);
            free(tx);
            return EC_UNAVAILABLE;
        }
        s->batch_conn = c;
    }
    tx->conn = s->batch_conn;
    if (run(tx->conn, SQ_SAVEPOINT) != EC_OK) {
        if (sqlite3_get_autocommit(tx->conn->db)) batch_end(s, EC_UNAVAILABLE);
        turn_end(s);
        pthread_mutex_unlock(&s->write_mu);
        free(tx);
        return EC_UNAVAILABLE;
    }
    *out = tx;
    return EC_OK;
}

void sq_tx_rollback(ecomd_tx *tx)
{
    if (!tx) return;
    sq_store *s = tx->store;
    savepoint_undo(s, tx);
    turn_end(s);
    pthread_mutex_unlock(&s->write_mu);
    free(tx);
}

ec_status sq_tx_commit(ecomd_tx *tx)
{
    sq_store *s = tx->store;
    ec_status rc = run(tx->conn, SQ_SAVEPOINT_RELEASE);
    if (rc != EC_OK) {
        savepoint_undo(s, tx);
    } else {
        tx->next = s->batch_members;
        s->batch_members = tx;
        s->batch_size++;
    }
    turn_end(s);
    while (rc == EC_OK && !tx->done) pthread_cond_wait(&s->batch_done, &s->write_mu);
    if (rc == EC_OK) rc = tx->result;
    pthread_mutex_unlock(&s->write_mu);
    free(tx);
    return rc;
}
