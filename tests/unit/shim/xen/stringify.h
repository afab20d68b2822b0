/* Host stand-in for <xen/stringify.h>: the same two macros. */
#ifndef SHIM_XEN_STRINGIFY_H
#define SHIM_XEN_STRINGIFY_H
#define __stringify_1(x...) #x
#define __stringify(x...) __stringify_1(x)
#endif
