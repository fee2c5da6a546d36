/* inventory_tx.c - inventory operations inside a write transaction.
 *
 * The store hands over the part of the inventory that the operations can
 * see as a state document; the library applies the operations to it one by
 * one; the rows that changed go back.  When an operation fails, nothing is
 * written: a sequence (reserve then commit at checkout; release, reserve,
 * commit, ship for a partial shipment) is all or nothing. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

/* Apply the ops in order until one fails. */
static ec_status apply_all(ec_inventory *inv, ecomd_inv_run *run)
{
    const cJSON *op;
    run->failed = -1;
    run->op_status = EC_OK;
    run->results = cJSON_CreateArray();
    if (!run->results) return EC_NO_MEMORY;
    int i = 0;
    cJSON_ArrayForEach(op, run->ops)
    {
        char *text = cJSON_PrintUnformatted(op), *res = NULL;
        size_t len = 0;
        if (!text) return EC_NO_MEMORY;
        run->op_status = ec_inventory_apply_json(inv, text, strlen(text), &res, &len, NULL);
        free(text);
        cJSON *parsed = res ? cJSON_ParseWithLength(res, len) : NULL;
        ec_free(res);
        if (!parsed) return EC_NO_MEMORY;
        cJSON_AddItemToArray(run->results, parsed);
        if (run->op_status != EC_OK) {
            run->failed = i;
            break;
        }
        i++;
    }
    return EC_OK;
}

ec_status ecomd_inventory_run(ecomd_tx *tx, ecomd_store *s, ecomd_inv_run *run)
{
    char *before = NULL, *after = NULL;
    size_t after_len = 0;
    ec_inventory *inv = NULL;
    ec_status st = s->ops->stock_load(tx, run->skus, run->res_id, ecomd_now_us(), &before);
    /* Rows this program wrote always load; a failure means a damaged store. */
    if (st == EC_OK && ec_inventory_from_json(before, strlen(before), NULL, &inv, NULL) != EC_OK)
        st = EC_INTERNAL;
    if (st == EC_OK) st = apply_all(inv, run);
    if (st == EC_OK && run->op_status == EC_OK) {
        st = ec_inventory_to_json(inv, &after, &after_len) == EC_OK ? EC_OK : EC_NO_MEMORY;
        if (st == EC_OK) st = s->ops->stock_save(tx, before, after);
    }
    ec_free(after);
    ec_inventory_free(inv);
    free(before);
    return st;
}

void ecomd_inventory_run_done(ecomd_inv_run *run)
{
    cJSON_Delete(run->ops);
    cJSON_Delete(run->results);
    run->ops = run->results = NULL;
}
