/* Host stand-in for Xen's <asm/system.h>: x86 barriers. */
#ifndef SHIM_ASM_SYSTEM_H
#define SHIM_ASM_SYSTEM_H
#define barrier() __asm__ __volatile__("" ::: "memory")
#define smp_mb() __sync_synchronize()
#define smp_rmb() barrier()
#define smp_wmb() barrier()
#endif
