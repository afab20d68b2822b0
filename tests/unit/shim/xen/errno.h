/* Host stand-in for <xen/errno.h>. */
#include <errno.h>
