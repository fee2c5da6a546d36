/* regions_client.c - the one HTTP request ecomd makes: a message to a
 * peer region (POST /v1/transfers), with libcurl, so that https:// peers
 * get TLS and the request gets proper time limits.  Called from the
 * regions' thread only. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"

/* An answer larger than this is not a message of this service. */
#define ANSWER_MAX (64u << 20)

typedef struct answer {
    char *p;
    size_t len, cap;
    int too_large;
} answer;

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    answer *a = ctx;
    size_t bytes = size * n;
    if (a->len + bytes + 1 > ANSWER_MAX) {
        a->too_large = 1;
        return 0; /* stops the transfer */
    }
    if (a->len + bytes + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < a->len + bytes + 1) cap *= 2;
        char *p = realloc(a->p, cap);
        if (!p) return 0;
        a->p = p;
        a->cap = cap;
    }
    memcpy(a->p + a->len, data, bytes);
    a->len += bytes;
    a->p[a->len] = '\0';
    return bytes;
}

char *ecomd_regions_post(const char *url, const char *key, const char *body, size_t len,
                         long timeout_ms, long *status, size_t *out_len)
{
    char full[600], auth[600];
    snprintf(full, sizeof full, "%s/v1/transfers", url);
    *status = 0;
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        headers = curl_slist_append(headers, auth);
    }
    answer a = {0};
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 1000 ? timeout_ms : 1000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* a thread of a threaded program */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || *status != 200 || !a.p) {
        free(a.p);
        return NULL;
    }
    *out_len = a.len;
    return a.p;
}

int ecomd_regions_http_start(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

void ecomd_regions_http_stop(void)
{
    curl_global_cleanup();
}
