/* random.c - random bytes for ids, without a system call for each.
 *
 * Every request draws a request id, a trace id and a span id; libsodium's
 * randombytes_buf() asks the kernel (getrandom) on every call, three system
 * calls per request.  Each thread instead takes 512 bytes at a time and
 * hands them out once each: the same CSPRNG output, fetched in bulk.  ecomd
 * never forks, so no two processes share a pool. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ecomd.h"

enum { POOL_BYTES = 512 };

static _Thread_local unsigned char pool[POOL_BYTES];
static _Thread_local size_t pool_left;

void ecomd_random(void *out, size_t n)
{
    unsigned char *p = out;
    while (n > 0) {
        if (pool_left == 0) {
            randombytes_buf(pool, sizeof pool);
            pool_left = sizeof pool;
        }
        size_t take = n < pool_left ? n : pool_left;
        unsigned char *from = pool + sizeof pool - pool_left;
        memcpy(p, from, take);
        sodium_memzero(from, take); /* handed out once, then forgotten */
        pool_left -= take;
        p += take;
        n -= take;
    }
}

/* Time first: ids made one after another sort together, so a burst of
 * orders (or reservations, or carts) appends to the same pages of each
 * index instead of dirtying one random page per insert, which is most of
 * what a write costs the store.  The 80 random bits keep ids unguessable. */
void ecomd_new_id(char *out, size_t size, const char *prefix)
{
    uint64_t ms = (uint64_t)(ecomd_now_us() / 1000);
    unsigned char raw[ECOMD_ID_BYTES];
    for (int i = 0; i < 6; i++) raw[i] = (unsigned char)(ms >> (8 * (5 - i)));
    ecomd_random(raw + 6, sizeof raw - 6);
    size_t n = (size_t)snprintf(out, size, "%s", prefix);
    if (n < size) sodium_bin2hex(out + n, size - n, raw, sizeof raw);
}
