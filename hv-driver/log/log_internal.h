/* Log set-up used by the boot glue (not part of the core's contract in hv/log.h). */
#ifndef HV_LOG_INTERNAL_H
#define HV_LOG_INTERNAL_H

#include "hv/log.h"

void hv_log_init(void);
void hv_log_set_level(hv_log_level_t max_level);

/* The log's clock: microseconds since the driver's entry (boot/time.c; 0 before calibration). */
uint64_t hv_log_clock_us(void);

#endif
