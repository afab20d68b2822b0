/* Host stand-in for Linux's <asm/barrier.h>. */
#include <asm/system.h>
#define virt_mb() smp_mb()
#define virt_rmb() smp_rmb()
#define virt_wmb() smp_wmb()
