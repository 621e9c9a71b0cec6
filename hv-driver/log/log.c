/* The log: whole lines on COM1, serialized by a spin lock so CPUs never interleave.
 * Format (hv/log.h): "hv: <sec>.<usec> cpu<N> <LEVEL> <message>\r\n". */
#include <stdarg.h>
#include "hv/log.h"
#include "hv/format.h"
#include "hv/platform.h"
#include "hv/uart.h"
#include "log/log_internal.h"

#define LOG_PORT     HV_UART_COM1
#define LOG_LINE_MAX 256

/* The lock word and the level filter are the log's only state. */
static volatile uint32_t log_lock;
static hv_log_level_t log_max_level = HV_LOG_DEBUG;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

/* The image's data stays guest-writable (the guest-side glue logs too), so the guest can hold the
 * lock word for ever: the wait is bounded (far longer than the longest line takes on a 115200-baud
 * UART, a few ms) and the line then goes out unlocked, possibly interleaved, rather than hang the
 * hypervisor in an exit handler. */
#define LOCK_SPINS (1u << 25)

static bool lock(void) {
    for (uint32_t spins = 0; __atomic_exchange_n(&log_lock, 1, __ATOMIC_ACQUIRE);) {
        while (__atomic_load_n(&log_lock, __ATOMIC_RELAXED)) {
            if (++spins >= LOCK_SPINS)
                return false;
            __builtin_ia32_pause();
        }
    }
    return true;
}

static void unlock(bool locked) {
    if (locked)
        __atomic_store_n(&log_lock, 0, __ATOMIC_RELEASE);
}

void hv_log_init(void) {
    hv_uart_init(LOG_PORT);
}

void hv_log_set_level(hv_log_level_t max_level) {
    log_max_level = max_level;
}

void hv_log(hv_log_level_t level, const char *fmt, ...) {
    if (level > log_max_level)
        return;
    char line[LOG_LINE_MAX];
    unsigned long long us = hv_log_clock_us();
    size_t n = hv_format(line, sizeof(line), "hv: %llu.%06llu cpu%u %-5s ", us / 1000000,
                         us % 1000000, hv_cpu_index(), level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    if (n < sizeof(line))
        n += hv_vformat(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    /* A truncated line keeps its end marker: room is left for "\r\n" below. */
    size_t keep = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
    bool locked = lock();
    hv_uart_write(LOG_PORT, line, keep);
    hv_uart_write(LOG_PORT, "\r\n", 2);
    unlock(locked);
}
