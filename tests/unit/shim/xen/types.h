/* Host stand-in for <xen/types.h>. */
#ifndef SHIM_XEN_TYPES_H
#define SHIM_XEN_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint64_t paddr_t;
#endif
