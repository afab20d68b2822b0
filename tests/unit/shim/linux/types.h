/* Host stand-in for Linux's <linux/types.h>. */
#ifndef SHIM_LINUX_TYPES_H
#define SHIM_LINUX_TYPES_H
#include <xen/types.h>
typedef uint32_t u32;
typedef uint64_t u64;
#endif
