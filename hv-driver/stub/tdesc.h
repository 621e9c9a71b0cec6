/* The x86-64 target description served by qXfer:features:read:target.xml (PROTOCOL.md 4.1). */
#ifndef HV_STUB_TDESC_H
#define HV_STUB_TDESC_H

#include "hv/types.h"

extern const char hv_tdesc_xml[];
extern const size_t hv_tdesc_xml_len;

/* Register layout: size in bytes of register n, 0 past the last one. */
#define HV_TDESC_REGS 65u
size_t hv_tdesc_reg_size(uint64_t n);

#endif
