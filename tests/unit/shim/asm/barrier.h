/* Host stand-in for Linux's <asm/barrier.h>. */
#include <asm/system.h>
