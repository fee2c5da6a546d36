/* mhd_errors.c - the answers libmicrohttpd gives by itself, made JSON, and
 * answers written on a socket MHD gave up on.
 *
 * libmicrohttpd 0.9.75 answers some requests before ecomd sees them (a
 * malformed request line or header, a head over the connection's memory,
 * a malformed chunked body), with fixed HTML texts and no Content-Type,
 * and it has no option to change them.  It builds every such answer in
 * one function, transmit_error_response_len in connection.c, whose call to
 * MHD_create_response_from_buffer is the library's only one (checked
 * against the 0.9.75 sources, and by objdump: one PLT call).  ecomd
 * defines that function: the dynamic linker binds the library's call to
 * the executable's definition, so those answers carry the JSON error
 * document.  ecomd itself creates its responses with
 * MHD_create_response_from_buffer_with_free_callback and never calls it.
 * tests/http/test_mhd_errors.py checks every answer MHD makes by itself.
 *
 * Errors MHD finds while it checks the headers (a malformed or oversized
 * Content-Length) leave its state machine queueing the answer twice: the
 * head went out twice.  For those no response is created, which makes MHD
 * drop the connection without a byte, and ecomd answers on the socket
 * itself when the connection closes (ecomd_answer_on_socket, called from
 * ecomd_request_abandoned in server.c). */
#define _GNU_SOURCE /* MHD's headers want sockaddr types fully declared */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ecomd.h"

/* What an MHD text means: a phrase it contains, and the error document. */
static const struct {
    const char *phrase;
    ec_status code;
    const char *field, *message;
} mhd_texts[] = {
    {"too big", EC_LIMIT_EXCEEDED, NULL,
     "the request head (line, query arguments and headers) is larger than this server accepts"},
    {"chunked encoding", EC_INVALID_FIELD, "Transfer-Encoding", "the chunked body is malformed"},
    {"chunk size", EC_PAYLOAD_TOO_LARGE, "Transfer-Encoding", "a chunk of the body is too large"},
    {"HTTP version", EC_INVALID_FIELD, NULL, "this HTTP version is not supported; use HTTP/1.1"},
    {"Internal server error", EC_INTERNAL, NULL, NULL},
};

const char *ecomd_mhd_error_code(unsigned status)
{
    ec_status code = status == 431 || status == 414   ? EC_LIMIT_EXCEEDED
                     : status == 413                  ? EC_PAYLOAD_TOO_LARGE
                     : status >= 500 && status != 505 ? EC_INTERNAL
                                                      : EC_INVALID_FIELD;
    return ec_status_name(code);
}

/* The texts of the answers MHD would send with its head twice. */
static int sent_twice(const char *text, size_t n)
{
    return memmem(text, n, "Content-Length", 14) || memmem(text, n, "Host:", 5);
}

/* The libmicrohttpd entry point, for MHD's own error answers only; visible
 * outside the executable (the Makefile exports it). */
__attribute__((visibility("default"))) struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
    (void)mode; /* MHD passes static texts (MHD_RESPMEM_PERSISTENT) */
    const char *text = buffer;
    if (sent_twice(text, size)) return NULL;
    ec_status code = EC_INVALID_FIELD;
    const char *field = NULL, *message = "the HTTP request is malformed";
    for (size_t i = 0; i < sizeof mhd_texts / sizeof mhd_texts[0]; i++)
        if (memmem(text, size, mhd_texts[i].phrase, strlen(mhd_texts[i].phrase))) {
            code = mhd_texts[i].code;
            field = mhd_texts[i].field;
            message = mhd_texts[i].message;
            break;
        }
    char doc[512];
    size_t n = ecomd_error_document(doc, sizeof doc, code, field, message);
    char *body = malloc(n);
    if (!body) return NULL;
    memcpy(body, doc, n);
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(n, body, free);
    if (!resp) {
        free(body);
        return NULL;
    }
    MHD_add_response_header(resp, "Content-Type", "application/json");
    return resp;
}

void ecomd_answer_on_socket(int fd, unsigned status, const char *body, size_t len,
                            const char *request_id)
{
    /* Read what the client sent and MHD left unread, so that closing the
     * socket sends FIN rather than a reset that could destroy the answer. */
    char sink[4096];
    for (int i = 0; i < 16 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++) {
    }
    char head[320];
    const char *reason = MHD_get_reason_phrase_for(status);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %u %s\r\nConnection: close\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nX-Request-Id: %s\r\n\r\n",
                     status, reason ? reason : "", len, request_id);
    if (n <= 0 || (size_t)n >= sizeof head) return;
    struct iovec iov[2] = {{head, (size_t)n}, {(void *)body, len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    /* Small enough for the socket buffer: never blocks MHD's thread. */
    (void)sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(fd, SHUT_WR);
}
