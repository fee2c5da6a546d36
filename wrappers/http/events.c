/* events.c - an outbox event's document, the one shape both readers of the
 * outbox hand out: an element of GET /v1/events' "events" array, and the
 * payload the relay publishes to JetStream (relay.c).  Built in one place
 * so that the two are the same bytes. */
#include <cjson/cJSON.h>

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
