/* relay.h - the outbox relay's two halves, private to them: relay.c runs
 * the loop (the lease, the position, the batches, the metrics) on the
 * store adapter interface, and relay_nats.c talks to JetStream through the
 * NATS C client.  docs/events.md describes what they do together. */
#ifndef ECOMD_RELAY_H
#define ECOMD_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "ecomd.h"

/* Subjects are "ecom." and an event type: short. */
#define RELAY_SUBJECT_MAX 160

/* One outbox event on its way: the subject is "ecom." and its type; the
 * payload is its GET /v1/events document (malloc'd). */
typedef struct relay_msg {
    int64_t id;
    char subject[RELAY_SUBJECT_MAX];
    char *payload;
    size_t len;
} relay_msg;

typedef struct relay_broker relay_broker;

/* The broker as --events, --events-stream and --events-dedupe-window name
 * it; ack_ms bounds the wait for one batch's acknowledgments.  Connects
 * nowhere yet.  NULL with a message in err when the settings are refused. */
relay_broker *relay_broker_new(const ecomd_config *cfg, unsigned ack_ms, char *err, size_t size);
void relay_broker_free(relay_broker *b);

/* Connect when not connected, and make sure the stream exists (created
 * with subjects "ecom.>" when absent).  1 when ready to publish; 0 with a
 * message in err. */
int relay_broker_ready(relay_broker *b, char *err, size_t size);
/* Whether the connection is up right now (the relay's thread). */
int relay_broker_connected(relay_broker *b);

/* Publish msgs[0..n) in this order, each with its id as Nats-Msg-Id and,
 * after the first, the previous one's id as Nats-Expected-Last-Msg-Id, and
 * wait for JetStream's acknowledgments.  Returns how many messages from
 * the first on were acknowledged (stored, or known as duplicates); when
 * that is less than n, err says why the next one was not. */
size_t relay_broker_publish(relay_broker *b, const relay_msg *msgs, size_t n, char *err,
                            size_t size);

/* The stream's last message: *id from its Nats-Msg-Id and its payload
 * (malloc'd).  1 when there is one with a numeric id, 0 when there is
 * none, -1 on failure (err). */
int relay_broker_last(relay_broker *b, int64_t *id, char **payload, size_t *len, char *err,
                      size_t size);

#endif /* ECOMD_RELAY_H */
