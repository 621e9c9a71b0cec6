/* A tiny TAP-like harness for host unit tests: each CHECK prints "ok <what>" or
 * "not ok <what>: <detail>"; the Makefile's `test` target counts them. */
#ifndef HV_TESTS_HARNESS_H
#define HV_TESTS_HARNESS_H

#include <stdio.h>
#include <string.h>

static int harness_failures;

#define CHECK(cond, what)                                                                          \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("ok %s\n", what);                                                               \
        } else {                                                                                   \
            printf("not ok %s (%s:%d)\n", what, __FILE__, __LINE__);                               \
            harness_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define CHECK_STR(actual, expected, what)                                                          \
    do {                                                                                           \
        const char *a_ = (actual), *e_ = (expected);                                               \
        if (strcmp(a_, e_) == 0) {                                                                 \
            printf("ok %s\n", what);                                                               \
        } else {                                                                                   \
            printf("not ok %s: got \"%s\", want \"%s\" (%s:%d)\n", what, a_, e_, __FILE__,         \
                   __LINE__);                                                                      \
            harness_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define HARNESS_EXIT() return harness_failures ? 1 : 0

#endif
