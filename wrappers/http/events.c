/* events.c - an outbox event's document, the one shape both readers of the
 * outbox hand out: an element of GET /v1/events' "events" array, and the
 * payload the relay publishes to JetStream (relay.c).  Built in one place
 * so that the two are the same bytes; GET /v1/events' page is built here
 * too, for both stores, on their events_each. */
#include <cjson/cJSON.h>
#include <string.h>

#include "ecomd.h"

cJSON *ecomd_event_json(int64_t id, const char *type, const char *at, const char *data)
{
    cJSON *e = cJSON_CreateObject();
    if (!e) return NULL;
    /* data is stored as a JSON document and goes out as it was written:
     * parsing it would turn int64 amounts into doubles. */
    if (!cJSON_AddNumberToObject(e, "id", (double)id) ||
        !cJSON_AddStringToObject(e, "type", type) || !cJSON_AddStringToObject(e, "at", at) ||
        !cJSON_AddRawToObject(e, "data", data)) {
        cJSON_Delete(e);
        return NULL;
    }
    return e;
}

typedef struct page {
    cJSON *events;
    int64_t next;
} page;

static ec_status add_to_page(void *ctx, int64_t id, const char *type, const char *at,
                             const char *data)
{
    page *p = ctx;
    cJSON *e = ecomd_event_json(id, type, at, data);
    if (!e || !cJSON_AddItemToArray(p->events, e)) {
        cJSON_Delete(e);
        return EC_NO_MEMORY;
    }
    p->next = id;
    return EC_OK;
}

ec_status ecomd_events_page(ecomd_store *s, int64_t after, int limit, char **json, size_t *len,
                            int64_t *next)
{
    page p = {cJSON_CreateArray(), after};
    ec_status st = p.events ? s->ops->events_each(s, after, limit, add_to_page, &p) : EC_NO_MEMORY;
    *json = st == EC_OK ? cJSON_PrintUnformatted(p.events) : NULL;
    cJSON_Delete(p.events);
    if (st == EC_OK && !*json) st = EC_NO_MEMORY;
    if (*json) *len = strlen(*json);
    *next = p.next;
    return st;
}
