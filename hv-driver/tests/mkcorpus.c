/* Seed corpus for fuzz_packet from the shared vectors: every rx input as a stream (mode 0), every
 * request payload framed as gdb sends it (mode 0) and bare (mode 1). Usage: mkcorpus VECTORS DIR */
#include <stdio.h>
#include <string.h>
#include "vectors.h"

static int written;

static void put(const char *dir, uint8_t mode, const uint8_t *p, size_t n, int framed) {
    char path[4096];
    snprintf(path, sizeof path, "%s/seed-%04d", dir, written++);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return;
    }
    fputc(mode, f);
    if (framed) {
        unsigned sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += p[i];
        fputc('$', f);
        fwrite(p, 1, n, f);
        fprintf(f, "#%02x", sum & 0xff);
    } else {
        fwrite(p, 1, n, f);
    }
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s VECTORS DIR\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    static vec_t v;
    int line = 0, rc;
    while ((rc = vec_next(f, &v, &line)) > 0) {
        if (!strcmp(v.kind, "rx")) {
            put(argv[2], 0, v.col[0], v.len[0], 0);
        } else if (!strcmp(v.kind, "req") || !strcmp(v.kind, "xchg")) {
            put(argv[2], 0, v.col[0], v.len[0], 1);
            put(argv[2], 1, v.col[0], v.len[0], 0);
        }
    }
    fclose(f);
    printf("mkcorpus: %d seeds in %s\n", written, argv[2]);
    return rc < 0 ? 1 : 0;
}
