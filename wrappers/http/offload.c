/* offload.c - work moved off MHD's threads.
 *
 * Each MHD thread polls many connections, so a handler that runs long
 * (compiling a ruleset: seconds for a large catalogue with patterns) holds
 * up every kept-alive connection of its thread.  Such a handler suspends
 * its connection and hands the request to the thread here; MHD's thread
 * goes back to its other connections.  The job answers as any handler
 * does (the answer is kept until the connection is resumed, see reply.c)
 * and resumes the connection, and MHD's thread sends the answer.
 *
 * Jobs run one at a time, in order of arrival; at most ECOMD_OFFLOAD_QUEUE
 * wait, and a request beyond that is refused at once with 503.  MHD must
 * not be stopped while a connection is suspended (it panics), so draining
 * waits for the queue to empty (ecomd_offload_idle) before it stops MHD. */
#define _GNU_SOURCE /* MHD's headers want sockaddr types fully declared */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>

#include "ecomd.h"

struct ecomd_offload {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ecomd_request *queue[ECOMD_OFFLOAD_QUEUE];
    ecomd_job_fn jobs[ECOMD_OFFLOAD_QUEUE];
    size_t head, count;
    int busy; /* a job is running */
    int stop;
    pthread_t thread;
};

static void *work(void *arg)
{
    ecomd_offload *o = arg;
    pthread_mutex_lock(&o->mu);
    for (;;) {
        while (!o->count && !o->stop) pthread_cond_wait(&o->cv, &o->mu);
        if (!o->count) break; /* stopping, and nothing is left */
        ecomd_request *r = o->queue[o->head];
        ecomd_job_fn fn = o->jobs[o->head];
        o->head = (o->head + 1) % ECOMD_OFFLOAD_QUEUE;
        o->count--;
        o->busy = 1;
        pthread_mutex_unlock(&o->mu);
        ecomd_store_data_error_take(); /* a stale note of an earlier job */
        fn(r);
        if (!r->pending) ecomd_reply_error(r, 500, EC_INTERNAL, NULL, NULL);
        MHD_resume_connection(r->conn);
        pthread_mutex_lock(&o->mu);
        o->busy = 0;
        pthread_cond_broadcast(&o->cv);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

ecomd_offload *ecomd_offload_new(void)
{
    ecomd_offload *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    if (pthread_create(&o->thread, NULL, work, o) != 0) {
        pthread_cond_destroy(&o->cv);
        pthread_mutex_destroy(&o->mu);
        free(o);
        return NULL;
    }
    return o;
}

void ecomd_offload_idle(ecomd_offload *o)
{
    if (!o) return;
    pthread_mutex_lock(&o->mu);
    while (o->count || o->busy) pthread_cond_wait(&o->cv, &o->mu);
    pthread_mutex_unlock(&o->mu);
}

void ecomd_offload_free(ecomd_offload *o)
{
    if (!o) return;
    pthread_mutex_lock(&o->mu);
    o->stop = 1;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
    pthread_join(o->thread, NULL);
    pthread_cond_destroy(&o->cv);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

int ecomd_offload_request(ecomd_request *r, ecomd_job_fn fn)
{
    ecomd_offload *o = r->srv->offload;
    pthread_mutex_lock(&o->mu);
    int room = o->count < ECOMD_OFFLOAD_QUEUE && !o->stop;
    if (room) {
        /* Suspended before the job can run (and resume it): MHD's thread
         * is inside this request's handler, so no callback of it races. */
        r->offloaded = 1;
        MHD_suspend_connection(r->conn);
        size_t tail = (o->head + o->count) % ECOMD_OFFLOAD_QUEUE;
        o->queue[tail] = r;
        o->jobs[tail] = fn;
        o->count++;
        pthread_cond_signal(&o->cv);
    }
    pthread_mutex_unlock(&o->mu);
    return room;
}
