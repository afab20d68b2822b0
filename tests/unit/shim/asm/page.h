/* Host stand-in for Xen's <asm/page.h>: an x86-64 page-table entry. */
#ifndef SHIM_ASM_PAGE_H
#define SHIM_ASM_PAGE_H
#include <xen/types.h>
typedef uint64_t intpte_t;
#endif
