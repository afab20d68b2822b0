/* Host stand-in for <xen/spinlock.h>: the tests are single-threaded. */
#ifndef SHIM_XEN_SPINLOCK_H
#define SHIM_XEN_SPINLOCK_H
typedef struct { int unused; } spinlock_t;
#endif
