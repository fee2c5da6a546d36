/* order_codec.h - what the order codec's files share; private to lib/json. */
#ifndef EC_JSON_ORDER_CODEC_H
#define EC_JSON_ORDER_CODEC_H

#include "ecommerce/order.h"
#include "json/writer.h"

/* {"order": ..., "effects": [...], "duplicate": ...} into b. */
void ec__order_write_result(ec__buf *b, const ec_order *o, const ec_order_effects *fx,
                            int32_t duplicate);

#endif /* EC_JSON_ORDER_CODEC_H */
