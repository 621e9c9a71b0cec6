/* Freestanding base types and attributes shared by every source of the driver.
 * Only compiler-provided headers: the same files build standalone (clang/lld) and inside EDK2,
 * where AutoGen.h is force-included, so nothing here may reuse an EDK2 name (UINT64, EFI_*,
 * VOID...). */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_EFIAPI     __attribute__((ms_abi))
#define HV_PACKED     __attribute__((packed))
#define HV_ALIGNED(n) __attribute__((aligned(n)))
#define HV_NORETURN   __attribute__((noreturn))
#define HV_NOINLINE   __attribute__((noinline))
#define HV_UNUSED     __attribute__((unused))

#define HV_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define HV_ARRAY_COUNT(a)           (sizeof(a) / sizeof((a)[0]))
#define HV_PAGE_SIZE                4096ull

#endif
