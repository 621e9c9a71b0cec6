/* Host tests of the log formatter (log/format.c), compared with what the C library would print
 * for the same conversions, plus the cases where ours deliberately differs. */
#include <limits.h>
#include <stdint.h>
#include "harness.h"
#include "hv/format.h"

static char buf[256];

#define FMT(...) (hv_format(buf, sizeof(buf), __VA_ARGS__), buf)

/* Same output as the host's snprintf for a conversion both support. */
#define LIKE_LIBC(what, ...)                                                                       \
    do {                                                                                           \
        char want_[256];                                                                           \
        snprintf(want_, sizeof(want_), __VA_ARGS__);                                               \
        CHECK_STR(FMT(__VA_ARGS__), want_, what);                                                  \
    } while (0)

static void integers(void) {
    LIKE_LIBC("%d zero", "%d", 0);
    LIKE_LIBC("%d negative", "%d", -42);
    LIKE_LIBC("%d INT_MIN", "%d", INT_MIN);
    LIKE_LIBC("%i INT_MAX", "%i", INT_MAX);
    LIKE_LIBC("%u UINT_MAX", "%u", UINT_MAX);
    LIKE_LIBC("%x", "%x", 0xdeadbeefu);
    LIKE_LIBC("%X", "%X", 0xdeadbeefu);
    LIKE_LIBC("%lx long", "%lx", 0x1234567ul);
    LIKE_LIBC("%lu ULONG_MAX", "%lu", ULONG_MAX);
    LIKE_LIBC("%llx 64-bit", "%llx", 0xfedcba9876543210ull);
    LIKE_LIBC("%llu ULLONG_MAX", "%llu", ULLONG_MAX);
    LIKE_LIBC("%lld LLONG_MIN", "%lld", LLONG_MIN);
    LIKE_LIBC("%zu", "%zu", (size_t)123456789);
    LIKE_LIBC("%016llx", "%016llx", 0x7e1a000ull);
    LIKE_LIBC("%06llu", "%06llu", 12345ull);
    LIKE_LIBC("%5d right", "[%5d]", 42);
    LIKE_LIBC("%-5d left", "[%-5d]", 42);
    LIKE_LIBC("%05d negative zero pad", "[%05d]", -42);
    LIKE_LIBC("%2x wider than width", "%2x", 0x12345u);
}

static void text(void) {
    LIKE_LIBC("%s", "a %s b", "word");
    LIKE_LIBC("%-5s level pad", "[%-5s]", "INFO");
    LIKE_LIBC("%5s", "[%5s]", "ab");
    LIKE_LIBC("%c", "%c%c", 'h', 'v');
    LIKE_LIBC("%%", "100%%");
    const char *volatile null_string = NULL; /* hidden from -Wformat-overflow */
    CHECK_STR(FMT("%s", null_string), "(null)", "%s NULL");
}

static void pointers(void) {
    CHECK_STR(FMT("%p", (void *)0x7e1a000), "0x7e1a000", "%p");
    CHECK_STR(FMT("%p", (void *)0), "0x0", "%p NULL");
}

/* Deliberately malformed formats: the compiler's format check would (rightly) reject them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void odd_formats(void) {
    CHECK_STR(FMT("%q and %d", 7), "%q and 7", "unknown conversion copied, no argument used");
    CHECK_STR(FMT("end %"), "end %", "trailing %");
    CHECK_STR(FMT("%lq"), "%lq", "unknown conversion with length");
}
#pragma GCC diagnostic pop

static void truncation(void) {
    char small[8];
    size_t n = hv_format(small, sizeof(small), "0123456789");
    CHECK(n == 10, "returns the full length");
    CHECK_STR(small, "0123456", "truncated and terminated");
    n = hv_format(small, 0, "abc");
    CHECK(n == 3, "size 0 writes nothing, returns length");
    n = hv_format(small, 1, "abc");
    CHECK(n == 3 && small[0] == '\0', "size 1 gives empty string");
    memset(small, 'x', sizeof(small));
    hv_format(small, 4, "%llx", 0xabcdefull);
    CHECK_STR(small, "abc", "number truncated");
}

static void log_prefix(void) {
    /* The exact prefix log.c builds (hv/log.h contract). */
    unsigned long long us = 12345678;
    CHECK_STR(FMT("hv: %llu.%06llu cpu%u %-5s %s", us / 1000000, us % 1000000, 3u, "INFO", "x"),
              "hv: 12.345678 cpu3 INFO  x", "log line prefix");
}

int main(void) {
    integers();
    text();
    pointers();
    odd_formats();
    truncation();
    log_prefix();
    HARNESS_EXIT();
}
