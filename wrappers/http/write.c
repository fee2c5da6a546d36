/* write.c - one transaction per write request, with idempotency keys.
 *
 * A write runs inside one store transaction: the Idempotency-Key is looked
 * up first (same key and same request: the stored first response is sent
 * again; same key, other request: 409 idempotency_conflict), then the
 * operation runs, then its response is stored under the key, and all of it
 * commits together.  The response is sent only after the commit, so every
 * 2xx is durable, and a retry after a lost response gets the same answer.
 * Keys are scoped by the API key's name, so two clients never collide. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "request_head.h"

/* What identifies "the same request": method, route, path parameters and
 * body bytes. */
static void request_hash(ecomd_request *r, unsigned char out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    const char *method = ecomd_method_name(r->method), *route = ecomd_route_label(r->route);
    crypto_generichash_update(&h, (const unsigned char *)method, strlen(method) + 1);
    crypto_generichash_update(&h, (const unsigned char *)route, strlen(route) + 1);
    for (size_t i = 0; i < r->nparams; i++)
        crypto_generichash_update(&h, (const unsigned char *)r->params[i],
                                  strlen(r->params[i]) + 1);
    if (r->body) crypto_generichash_update(&h, (const unsigned char *)r->body, r->body_len);
    crypto_generichash_final(&h, out, 32);
}

/* The Idempotency-Key header: NULL when absent; *bad set when malformed. */
static const char *idem_key(ecomd_request *r, int *bad)
{
    const char *key = ecomd_header(r, "Idempotency-Key");
    *bad = key && !ecomd_idem_key_valid(key);
    return key;
}

/* Set by a store adapter on the thread whose call failed on a value. */
static _Thread_local int data_error;

void ecomd_store_data_error_note(void)
{
    data_error = 1;
}

int ecomd_store_data_error_take(void)
{
    int was = data_error;
    data_error = 0;
    return was;
}

int ecomd_reply_data_error(ecomd_request *r)
{
    if (!ecomd_store_data_error_take()) return 0;
    ecomd_reply_error(r, 400, EC_INVALID_FIELD, NULL,
                      "a value of the request cannot be stored (not UTF-8 text, or out of range)");
    return 1;
}

void ecomd_reply_store_error(ecomd_request *r, ec_status st)
{
    if (ecomd_reply_data_error(r)) return;
    if (st == EC_NO_MEMORY || st == EC_INTERNAL) {
        ecomd_reply_error(r, 500, st, NULL, NULL);
        return;
    }
    ecomd_metrics_store_error(r->srv->metrics);
    ecomd_store_outcome(r->srv, 0);
    ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL, "the store does not answer; retry");
}

/* An earlier response under the same key: replay it, or refuse. */
static void answer_replay(ecomd_request *r, ecomd_idem *idem, const unsigned char hash[32])
{
    if (sodium_memcmp(idem->hash, hash, 32) != 0) {
        ecomd_reply_error(r, 409, EC_IDEMPOTENCY_CONFLICT, "Idempotency-Key",
                          "this Idempotency-Key was used for a different request");
        return;
    }
    ecomd_add_header(r, "Idempotent-Replayed", "true");
    ecomd_reply(r, idem->status, idem->body, idem->len);
    idem->body = NULL;
}

/* Look the key up in tx; when found, commit and answer with it (1). */
static int replayed(ecomd_request *r, ecomd_tx *tx, const char *owner, const char *key,
                    const unsigned char hash[32], ec_status *st)
{
    ecomd_store *s = r->srv->store;
    ecomd_idem idem = {0};
    *st = s->ops->idem_get(tx, owner, key, &idem);
    if (*st != EC_OK || !idem.found) return 0;
    /* Commit, though nothing was written: the stored response may be part
     * of a group commit still on its way to disk. */
    *st = s->ops->tx_commit(tx);
    if (*st == EC_OK) answer_replay(r, &idem, hash);
    free(idem.body);
    if (*st != EC_OK) ecomd_reply_store_error(r, *st);
    return 1;
}

unsigned ecomd_write(ecomd_request *r, int key_required, ecomd_write_fn fn, void *ctx)
{
    int bad = 0;
    const char *key = idem_key(r, &bad);
    if (bad || (key_required && !key)) {
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "Idempotency-Key",
                          key ? "Idempotency-Key takes 1 to 128 of [A-Za-z0-9._:-]"
                              : "this request needs an Idempotency-Key header");
        return 0;
    }
    ecomd_store *s = r->srv->store;
    unsigned char hash[32];
    request_hash(r, hash);
    ecomd_tx *tx = NULL;
    const char *owner = r->key_name ? r->key_name : "-";
    ec_status st = s->ops->tx_begin(s, &tx);
    /* The lookup holds the key (PostgreSQL: an advisory lock; SQLite: the
     * write turn) until the commit, so duplicates wait and then replay. */
    if (st == EC_OK && key && replayed(r, tx, owner, key, hash, &st)) return 0;
    ecomd_outcome out = {0};
    if (st == EC_OK) st = fn(r, tx, ctx, &out);
    if (st == EC_OK && !out.body) st = EC_NO_MEMORY;
    if (st == EC_OK && out.status >= 400) {
        /* A refusal undoes whatever the operation had written before it
         * found the problem; only the response is kept under the key.  The
         * undo also let the key go: a duplicate may have stored its own
         * refusal meanwhile, so look again before storing this one. */
        s->ops->tx_rollback(tx);
        tx = NULL;
        if (key) st = s->ops->tx_begin(s, &tx);
        if (st == EC_OK && key && replayed(r, tx, owner, key, hash, &st)) {
            free(out.body);
            return 0;
        }
    }
    /* Refusals (4xx) are stored too: a retry gets the same refusal. */
    if (st == EC_OK && key)
        st = s->ops->idem_put(tx, owner, key, hash, out.status, out.body, out.len, ecomd_now_us());
    if (st == EC_OK && tx)
        st = s->ops->tx_commit(tx);
    else if (tx)
        s->ops->tx_rollback(tx);
    if (st != EC_OK) {
        free(out.body);
        ecomd_reply_store_error(r, st);
        return 0;
    }
    ecomd_store_outcome(r->srv, 1);
    for (size_t i = 0; i < out.nheaders; i++)
        ecomd_add_header(r, out.header_names[i], out.header_values[i]);
    ecomd_reply(r, out.status, out.body, out.len);
    return out.status;
}
