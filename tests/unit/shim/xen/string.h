/* Host stand-in for <xen/string.h>. */
#include <string.h>
