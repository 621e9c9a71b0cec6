/* The driver's log: one line per call on COM1 (16550, polled), format (stable; the log grammar and
 * the tests parse it):
 *
 *     hv: <seconds since driver entry, 6 decimals> cpu<N> <LEVEL> <message>
 *     hv: 0.012345 cpu0 INFO  uefi-hv 0.1.0 loaded at 0x7e1a000
 *
 * LEVEL is ERROR, WARN, INFO or DEBUG padded to 5. Formats: %d %u %x %lx %llx %lu %llu %s %c %p %%
 * with optional 0 flag and width (%016llx). Safe from any CPU and from VM-exit context (a spin lock
 * serializes lines; no allocation, no boot services). */
#ifndef HV_LOG_H
#define HV_LOG_H

#include "hv/types.h"

typedef enum { HV_LOG_ERROR, HV_LOG_WARN, HV_LOG_INFO, HV_LOG_DEBUG } hv_log_level_t;

void hv_log(hv_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define HV_ERROR(...) hv_log(HV_LOG_ERROR, __VA_ARGS__)
#define HV_WARN(...)  hv_log(HV_LOG_WARN, __VA_ARGS__)
#define HV_INFO(...)  hv_log(HV_LOG_INFO, __VA_ARGS__)
#define HV_DEBUG(...) hv_log(HV_LOG_DEBUG, __VA_ARGS__)

#endif
