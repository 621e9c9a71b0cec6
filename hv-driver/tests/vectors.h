/* Reader of debug-adapter/protocol/vectors.txt (format: PROTOCOL.md section 7). */
#ifndef HV_TESTS_VECTORS_H
#define HV_TESTS_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#define VEC_MAX_COLS 4
#define VEC_COL_MAX  8192

typedef struct {
    char kind[16];
    char name[96];
    int line;
    int cols;
    size_t len[VEC_MAX_COLS];
    uint8_t col[VEC_MAX_COLS]
               [VEC_COL_MAX + 1]; /* unescaped bytes, NUL-terminated for convenience */
} vec_t;

/* Reads the next vector; 0 at the end, -1 on a malformed line (message printed). */
int vec_next(FILE *f, vec_t *v, int *lineno);

/* Escapes bytes the way the file writes them (for messages and --print). */
void vec_print_escaped(FILE *out, const uint8_t *p, size_t n);

#endif
