/* Memory primitives. The compiler may also emit calls to memset/memcpy/memmove/memcmp for struct
 * copies and zeroing; lib/mem.c provides those under their C names as well. */
#ifndef HV_LIB_MEM_H
#define HV_LIB_MEM_H

#include "hv/types.h"

void *hv_memset(void *dst, int value, size_t n);
void *hv_memcpy(void *dst, const void *src, size_t n);
int hv_memcmp(const void *a, const void *b, size_t n);

#endif
