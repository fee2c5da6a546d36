/* keys.c - API keys: the key file and the check of a presented key.
 *
 * The file stores BLAKE2b-256 hashes, never keys, so reading it does not
 * give away a key.  A presented key is hashed and compared with every entry
 * in constant time (sodium_memcmp), and the loop does not stop at a match,
 * so timing tells nothing about which entry or how much of it matched. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

#define KEY_NAME_MAX 64

typedef struct key_entry {
    char name[KEY_NAME_MAX + 1];
    int role;
    unsigned char hash[crypto_generichash_BYTES];
} key_entry;

struct ecomd_keys {
    key_entry *entries;
    size_t n;
};

static int parse_role(const char *s)
{
    if (strcmp(s, "admin") == 0) return ECOMD_ROLE_ADMIN;
    if (strcmp(s, "client") == 0) return ECOMD_ROLE_CLIENT;
    return ECOMD_ROLE_NONE;
}

/* One "name role hex" line into e; 0 when malformed. */
static int parse_line(char *line, key_entry *e)
{
    char *save = NULL;
    char *name = strtok_r(line, " \t", &save);
    char *role = strtok_r(NULL, " \t", &save);
    char *hex = strtok_r(NULL, " \t\r\n", &save);
    size_t bin_len = 0;
    if (!name || !role || !hex || strtok_r(NULL, " \t\r\n", &save)) return 0;
    if (strlen(name) > KEY_NAME_MAX || !(e->role = parse_role(role))) return 0;
    if (sodium_hex2bin(e->hash, sizeof e->hash, hex, strlen(hex), NULL, &bin_len, NULL) != 0 ||
        bin_len != sizeof e->hash)
        return 0;
    memcpy(e->name, name, strlen(name) + 1);
    return 1;
}

static int is_blank(const char *line)
{
    line += strspn(line, " \t\r\n");
    return *line == '\0' || *line == '#';
}

ecomd_keys *ecomd_keys_load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ecomd: cannot read key file %s\n", path);
        return NULL;
    }
    ecomd_keys *keys = calloc(1, sizeof *keys);
    char line[512];
    unsigned lineno = 0;
    while (keys && fgets(line, sizeof line, f)) {
        lineno++;
        if (is_blank(line)) continue;
        key_entry *grown = realloc(keys->entries, (keys->n + 1) * sizeof *grown);
        if (!grown || !parse_line(line, &grown[keys->n])) {
            if (grown) keys->entries = grown;
            fprintf(stderr, "ecomd: %s:%u: expected 'name admin|client blake2b-hex'\n", path,
                    lineno);
            ecomd_keys_free(keys);
            keys = NULL;
            break;
        }
        keys->entries = grown;
        keys->n++;
    }
    fclose(f);
    return keys;
}

void ecomd_keys_free(ecomd_keys *keys)
{
    if (!keys) return;
    sodium_memzero(keys->entries, keys->n * sizeof *keys->entries);
    free(keys->entries);
    free(keys);
}

int ecomd_keys_check(const ecomd_keys *keys, const char *key, size_t len, const char **name)
{
    unsigned char hash[crypto_generichash_BYTES];
    int role = ECOMD_ROLE_NONE;
    *name = NULL;
    crypto_generichash(hash, sizeof hash, (const unsigned char *)key, len, NULL, 0);
    for (size_t i = 0; i < keys->n; i++) {
        if (sodium_memcmp(hash, keys->entries[i].hash, sizeof hash) == 0) {
            role = keys->entries[i].role;
            *name = keys->entries[i].name;
        }
    }
    return role;
}
