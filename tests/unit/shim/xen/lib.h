/* Host stand-in for <xen/lib.h>: what the pure cbps files use of it. */
#ifndef SHIM_XEN_LIB_H
#define SHIM_XEN_LIB_H
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <xen/types.h>

#define ASSERT(p) assert(p)
#define ACCESS_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

static inline unsigned long simple_strtoul(const char *cp, const char **endp,
                                           unsigned int base)
{
    return strtoul(cp, (char **)endp, base);
}

/* From the fetched Xen source, common/kernel.c (see tests/unit/Makefile). */
int parse_bool(const char *s, const char *e);
#endif
