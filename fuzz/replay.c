/* replay.c - runs a fuzz target on saved inputs, without libFuzzer.
 *
 * Linked with one fuzz/fuzz_<name>.c into build/fuzz/replay_<name> by the
 * ordinary compiler, so that `make test` replays every corpus (and every
 * crash input once added to it) in the normal, ASan and UBSan builds.
 *
 * Usage: replay_<name> [-v] FILE|DIR...
 * Each FILE, and each regular file directly inside each DIR (in name order,
 * dot files skipped), is read into a buffer of exactly its size and passed to
 * LLVMFuzzerTestOneInput().  -v names each input before running it, which
 * tells which one crashed. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional in a fuzz target, as under libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int verbose;
static size_t replayed;

/* Returns 0, or -1 after printing why the file could not be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        fclose(f);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    /* Exactly size bytes, so that ASan reports a read one past the end. */
    uint8_t *data = malloc(size > 0 ? size : 1);
    if (data == NULL) {
        fprintf(stderr, "replay: %s: out of memory\n", path);
        fclose(f);
        return -1;
    }
    if (size > 0 && fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: %s: short read\n", path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);

    if (verbose) {
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
    }
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    replayed++;
    return 0;
}

static int skip_dot(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int replay_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, skip_dot, alphasort);
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(dir) + 1 + strlen(names[i]->d_name) + 1;
        char *path = malloc(len);
        if (path == NULL) {
            fprintf(stderr, "replay: out of memory\n");
            rc = -1;
        } else {
            struct stat st;
            snprintf(path, len, "%s/%s", dir, names[i]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) != 0) {
                rc = -1;
            }
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize != NULL) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    int rc = 0;
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        files++;
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
        } else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : replay_file(argv[i])) {
            rc = 1;
        }
    }
    if (files == 0) {
        fprintf(stderr, "usage: %s [-v] FILE|DIR...\n", argv[0]);
        return 2;
    }
    printf("replayed %zu inputs\n", replayed);
    return rc;
}
