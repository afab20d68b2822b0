/*
 * Host stand-in for Linux's <linux/errno.h>.  glibc's <errno.h> includes
 * this name too, so it must be what the uapi one is: <asm/errno.h>.
 */
#include <asm/errno.h>
