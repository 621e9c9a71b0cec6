/* Time from the TSC, calibrated once against boot services Stall() so it keeps working after
 * ExitBootServices and in VM-exit context. Assumes an invariant TSC (every VT-x part we target;
 * under Bochs the TSC counts instructions, so "time" there is emulated time). */
#include "boot/boot.h"
#include "hv/platform.h"
#include "log/log_internal.h"

#define CALIBRATION_US 10000 /* 10 ms: < 0.1% error from Stall's own granularity on OVMF */

/* Calibrated once at entry, read-only afterwards. */
static uint64_t tsc_hz;
static uint64_t tsc_at_entry;

static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void hv_time_init(void) {
    tsc_at_entry = rdtsc();
    uint64_t start = rdtsc();
    hv_bs->stall(CALIBRATION_US);
    uint64_t ticks = rdtsc() - start;
    tsc_hz = ticks * (1000000 / CALIBRATION_US);
    if (tsc_hz == 0)
        tsc_hz = 1; /* never divide by zero, even on a broken TSC */
}

uint64_t hv_tsc_hz(void) {
    return tsc_hz;
}

/* ticks * 1e6 / hz without overflowing 64 bits for any realistic uptime. */
static uint64_t ticks_to_us(uint64_t ticks) {
    if (tsc_hz == 0)
        return 0;
    uint64_t seconds = ticks / tsc_hz;
    uint64_t rest = ticks % tsc_hz;
    return seconds * 1000000 + rest * 1000000 / tsc_hz;
}

uint64_t hv_time_us(void) {
    return tsc_hz ? ticks_to_us(rdtsc() - tsc_at_entry) : 0;
}

uint64_t hv_log_clock_us(void) {
    return hv_time_us();
}

void hv_stall_us(uint64_t us) {
    if (tsc_hz == 0) {
        hv_bs->stall(us); /* before calibration boot services are still there */
        return;
    }
    uint64_t start = rdtsc();
    uint64_t ticks = us / 1000000 * tsc_hz + us % 1000000 * tsc_hz / 1000000;
    while (rdtsc() - start < ticks)
        __builtin_ia32_pause();
}
