/* handlers_core.c - probes, metrics, version, stateless pricing, the
 * ruleset and the event outbox. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"

static void reply_cjson(ecomd_request *r, unsigned status, cJSON *doc)
{
    char *body = doc ? cJSON_PrintUnformatted(doc) : NULL;
    cJSON_Delete(doc);
    if (!body) {
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
        return;
    }
    ecomd_reply(r, status, body, strlen(body));
}

void ecomd_h_healthz(ecomd_request *r)
{
    static const char ok[] = "{\"status\":\"ok\"}";
    ecomd_reply_copy(r, 200, ok, sizeof ok - 1);
}

/* ---- readiness -------------------------------------------------------------------------- */

/* A store that answers reads may still refuse every write (a full disk, a
 * database turned read-only), and a ping does not notice.  Requests that
 * fail in the store are counted in a row (a committed write resets the
 * count); past ECOMD_STORE_FAILURES_PROBED, /readyz writes a probe, at
 * most once a second, and answers 503 until one commits.  A load balancer
 * then sends the traffic to an instance whose writes work, and this one
 * comes back by itself once its store takes writes again. */
void ecomd_store_outcome(ecomd_server *srv, int ok)
{
    if (ok)
        atomic_store(&srv->store_failures, 0);
    else
        atomic_fetch_add(&srv->store_failures, 1);
}

static int writes_refused(ecomd_server *srv)
{
    if (atomic_load(&srv->store_failures) < ECOMD_STORE_FAILURES_PROBED) return 0;
    long long now = ecomd_mono_ns(), last = atomic_load(&srv->probe_at_ns);
    if ((last && now - last < 1000000000) ||
        !atomic_compare_exchange_strong(&srv->probe_at_ns, &last, now))
        return atomic_load(&srv->probe_failed); /* probed a moment ago, or being probed */
    ecomd_store *s = srv->store;
    ecomd_tx *tx = NULL;
    ec_status st = s->ops->tx_begin(s, &tx);
    if (st == EC_OK) st = s->ops->write_probe(tx);
    if (st == EC_OK)
        st = s->ops->tx_commit(tx);
    else if (tx)
        s->ops->tx_rollback(tx);
    atomic_store(&srv->probe_failed, st != EC_OK);
    if (st == EC_OK) ecomd_store_outcome(srv, 1);
    if (st != EC_OK) ecomd_metrics_store_error(srv->metrics);
    return st != EC_OK;
}

void ecomd_h_readyz(ecomd_request *r)
{
    ecomd_server *srv = r->srv;
    if (atomic_load(&srv->draining)) {
        ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL, "draining");
        return;
    }
    if (srv->store->ops->ping(srv->store) != EC_OK) {
        ecomd_metrics_store_error(srv->metrics);
        ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL, "the store does not answer");
        return;
    }
    if (writes_refused(srv)) {
        ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL, "the store refuses writes");
        return;
    }
    if (srv->cfg.relay_only) { /* `ecomd relay`: ready when it can publish */
        static const char ready[] = "{\"status\":\"ready\"}";
        if (ecomd_relay_ready(srv->relay))
            ecomd_reply_copy(r, 200, ready, sizeof ready - 1);
        else
            ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL, "the relay cannot reach the broker");
        return;
    }
    int64_t version = ecomd_rules_version(srv->rules);
    if (version == 0) {
        ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL, "no ruleset is loaded");
        return;
    }
    char buf[96];
    int n = snprintf(buf, sizeof buf, "{\"status\":\"ready\",\"rules_version\":%lld}",
                     (long long)version);
    ecomd_reply_copy(r, 200, buf, (size_t)n);
}

/* The service's own metrics, then the store's and the process's. */
void ecomd_h_metrics(ecomd_request *r)
{
    ecomd_server *srv = r->srv;
    size_t len = 0;
    char *text =
        ecomd_metrics_render(srv->metrics, ecomd_rules_version(srv->rules),
                             atomic_load(&srv->inflight), srv->cfg.region, srv->cfg.instance, &len);
    if (text && srv->relay) text = ecomd_relay_metrics(srv->relay, text, &len);
    ecomd_doc d = {.failed = !text};
    if (text) ecomd_doc_add(&d, text, len);
    free(text);
    if (srv->regions) ecomd_regions_metrics(srv->regions, &d);
    ecomd_store_metrics_render(srv->store, &d);
    ecomd_process_metrics(&d);
    char *body = ecomd_doc_take(&d, &len);
    if (!body) {
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
        return;
    }
    ecomd_reply_text(r, 200, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

void ecomd_h_version(ecomd_request *r)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "ecomd", EC_VERSION_STRING);
    cJSON_AddStringToObject(doc, "library", ec_version_string());
    cJSON_AddStringToObject(doc, "store", r->srv->store->ops->name);
    cJSON_AddNumberToObject(doc, "rules_version", (double)ecomd_rules_version(r->srv->rules));
    cJSON_AddStringToObject(doc, "region", r->srv->cfg.region);
    cJSON_AddStringToObject(doc, "instance", r->srv->cfg.instance);
    reply_cjson(r, 200, doc);
}

void ecomd_h_price(ecomd_request *r)
{
    ecomd_ruleset *rs = ecomd_rules_acquire(r->srv->rules);
    if (!rs) {
        ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL, "no ruleset is loaded");
        return;
    }
    char *out = NULL;
    size_t len = 0;
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_json_price(rs->rules, r->body ? r->body : "", r->body_len, &out, &len, &err);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)rs->version);
    ecomd_rules_release(rs);
    if (st != EC_OK) {
        ecomd_reply_ec_error(r, &err);
        return;
    }
    ecomd_add_header(r, "X-Rules-Version", etag);
    ecomd_reply_copy(r, 200, out, len);
    ec_free(out);
}

/* ---- the ruleset ---------------------------------------------------------------------- */

void ecomd_h_rules_get(ecomd_request *r)
{
    int64_t version = 0;
    char *body = NULL;
    size_t len = 0;
    ec_status st = r->srv->store->ops->rules_current(r->srv->store, &version, &body, &len);
    if (st != EC_OK) {
        ecomd_reply_store_error(r, st);
        return;
    }
    if (!body) {
        ecomd_reply_error(r, 404, EC_NOT_FOUND, NULL, "no ruleset has been stored yet");
        return;
    }
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)version);
    ecomd_add_header(r, "ETag", etag);
    const char *inm = ecomd_header(r, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        free(body);
        ecomd_reply_text(r, 304, NULL, 0, NULL);
        return;
    }
    ecomd_reply(r, 200, body, len);
}

/* A PUT /v1/rules: the compiled ruleset (or why it was refused) and the
 * version it was stored as. */
typedef struct rules_put {
    int64_t expected; /* If-Match, -1 without */
    ec_ruleset *rules;
    ec_error err;
    int64_t version;
} rules_put;

/* Store the ruleset as the next version and its rules.activated event (in
 * ecomd_write's transaction, under the request's Idempotency-Key). */
static ec_status store_rules(ecomd_request *r, ecomd_tx *tx, void *arg, ecomd_outcome *out)
{
    rules_put *p = arg;
    ecomd_store *s = r->srv->store;
    if (!p->rules) {
        ec_status code = (ec_status)p->err.code;
        if (code == EC_NO_MEMORY || code == EC_INTERNAL) return code; /* not kept under the key */
        ecomd_refuse(out, &p->err);
        return EC_OK;
    }
    int64_t now = ecomd_now_us();
    ec_status st = s->ops->rules_insert(tx, r->body, r->body_len, p->expected, now, &p->version);
    if (st == EC_VERSION_CONFLICT) {
        ec_error e;
        ec_error_clear(&e);
        e.code = EC_VERSION_CONFLICT;
        snprintf(e.field, sizeof e.field, "If-Match");
        snprintf(e.message, sizeof e.message, "the ruleset changed since that version");
        ecomd_refuse(out, &e);
        out->status = 412; /* a stale If-Match is a failed precondition */
        return EC_OK;
    }
    char data[64];
    snprintf(data, sizeof data, "{\"version\":%lld}", (long long)p->version);
    if (st == EC_OK) st = s->ops->event_add(tx, "rules.activated", data, now);
    if (st != EC_OK) return st;
    out->status = 200;
    out->body = strdup(data);
    out->len = out->body ? strlen(out->body) : 0;
    out->header_names[0] = "ETag";
    snprintf(out->header_values[0], sizeof out->header_values[0], "\"%lld\"",
             (long long)p->version);
    out->nheaders = 1;
    return EC_OK;
}

/* On the offload thread: compile (seconds for a large catalogue with
 * patterns), store, and activate at once on this instance; the other
 * instances pick it up by polling. */
static void rules_put_job(ecomd_request *r)
{
    rules_put p = {.expected = ecomd_if_match(r)};
    ec_error_clear(&p.err);
    if (ec_ruleset_from_json(r->body ? r->body : "", r->body_len, NULL, &p.rules, &p.err) != EC_OK)
        p.rules = NULL;
    if (ecomd_write(r, 0, store_rules, &p) == 200)
        ecomd_rules_install(r->srv->rules, p.rules, p.version); /* takes it over */
    else
        ec_ruleset_free(p.rules);
}

void ecomd_h_rules_put(ecomd_request *r)
{
    if (ecomd_if_match(r) == -2) {
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "If-Match", "If-Match must be \"<version>\"");
        return;
    }
    if (!ecomd_offload_request(r, rules_put_job))
        ecomd_reply_error(r, 503, EC_UNAVAILABLE, NULL,
                          "too many rulesets are waiting to be compiled; retry");
}

/* ---- the outbox ------------------------------------------------------------------------- */

/* A query parameter as an integer in [lo, hi]; def when absent; 0 when bad. */
static int query_int(ecomd_request *r, const char *name, long long def, long long lo, long long hi,
                     long long *out)
{
    const char *v = ecomd_query(r, name);
    if (!v) {
        *out = def;
        return 1;
    }
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) return 0;
    *out = x;
    return 1;
}

void ecomd_h_events(ecomd_request *r)
{
    long long after = 0, limit = 0;
    if (!query_int(r, "after", 0, 0, INT64_MAX, &after)) {
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "after", "after must be an integer >= 0");
        return;
    }
    if (!query_int(r, "limit", 100, 1, 1000, &limit)) {
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "limit", "limit must be from 1 to 1000");
        return;
    }
    char *events = NULL;
    size_t len = 0;
    int64_t next = 0;
    ec_status st =
        r->srv->store->ops->events_list(r->srv->store, after, (int)limit, &events, &len, &next);
    if (st != EC_OK) {
        ecomd_reply_store_error(r, st);
        return;
    }
    size_t cap = len + 64;
    char *body = malloc(cap);
    if (body)
        len = (size_t)snprintf(body, cap, "{\"events\":%s,\"next\":%lld}", events, (long long)next);
    free(events);
    ecomd_reply(r, 200, body, len);
}
