/* io.c - reading documents and reporting refusals for ecom. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "ecom: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1) break;
        char *bigger = cap > ((size_t)1 << 31) ? NULL : realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int failed = !buf || ferror(f);
    if (f != stdin) fclose(f);
    if (failed) {
        fprintf(stderr, "ecom: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

void cli_error_clean(ec_error *err)
{
    char field[sizeof err->field], message[sizeof err->message];
    ec_utf8_clean(field, sizeof field, err->field, strnlen(err->field, sizeof err->field));
    ec_utf8_clean(message, sizeof message, err->message,
                  strnlen(err->message, sizeof err->message));
    memcpy(err->field, field, sizeof field);
    memcpy(err->message, message, sizeof message);
}

/* Copy src with control characters replaced by '?'. */
static void printable(char *dst, const char *src, size_t cap)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
    dst[i] = '\0';
}

void cli_error_line(const char *what, const ec_error *err)
{
    /* the line quotes input (an unknown key, say): keep it one line */
    char field[sizeof err->field], message[sizeof err->message];
    printable(field, err->field, sizeof field);
    printable(message, err->message, sizeof message);
    fprintf(stderr, "ecom: %s refused: %s%s%s: %s\n", what, ec_status_name(err->code),
            field[0] ? " at " : "", field, message);
}

int cli_refuse(const char *what, const ec_error *err)
{
    ec_error clean = *err;
    cli_error_clean(&clean); /* the document is UTF-8 whatever the input held */
    char *doc = NULL;
    if (ec_error_to_json(&clean, &doc, NULL) == EC_OK) {
        puts(doc);
        ec_free(doc);
    }
    cli_error_line(what, &clean);
    return EXIT_REFUSED;
}

ec_ruleset *cli_load_rules(const char *path, int *status)
{
    size_t len;
    char *json = cli_read_file(path, &len);
    ec_ruleset *rules = NULL;
    ec_error err;
    *status = EXIT_USAGE;
    if (!json) return NULL;
    if (ec_ruleset_from_json(json, len, NULL, &rules, &err) != EC_OK)
        *status = cli_refuse("ruleset", &err);
    free(json);
    return rules;
}
