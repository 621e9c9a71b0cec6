/* rep stosb / rep movsb: short, fast on every CPU with ERMSB, and immune to the compiler turning
 * the loop back into a call to the very function being defined. */
#include "lib/mem.h"

void *hv_memset(void *dst, int value, size_t n) {
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(value) : "memory");
    return dst;
}

void *hv_memcpy(void *dst, const void *src, size_t n) {
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

int hv_memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

/* Overlapping copy to a higher address: copy from the last byte down (direction flag set only for
 * the one instruction; the ABI wants it clear everywhere else). */
static void *copy_backwards(void *dst, const void *src, size_t n) {
    if (n == 0)
        return dst;
    void *d = (uint8_t *)dst + n - 1;
    const void *s = (const uint8_t *)src + n - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
}

/* The C names the compiler emits calls to. */
void *memset(void *dst, int value, size_t n) {
    return hv_memset(dst, value, n);
}

void *memcpy(void *dst, const void *src, size_t n) {
    return hv_memcpy(dst, src, n);
}

void *memmove(void *dst, const void *src, size_t n) {
    if ((uintptr_t)dst <= (uintptr_t)src || (uintptr_t)dst >= (uintptr_t)src + n)
        return hv_memcpy(dst, src, n);
    return copy_backwards(dst, src, n);
}

int memcmp(const void *a, const void *b, size_t n) {
    return hv_memcmp(a, b, n);
}
