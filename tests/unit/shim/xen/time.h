/* Host stand-in for <xen/time.h>. */
#ifndef SHIM_XEN_TIME_H
#define SHIM_XEN_TIME_H
#include <xen/types.h>
typedef int64_t s_time_t;
#define MILLISECS(ms) ((s_time_t)(ms) * 1000000ULL)
#define SECONDS(s) ((s_time_t)(s) * 1000000000ULL)
#endif
