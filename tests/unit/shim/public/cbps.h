/* Xen builds include/cbps.h as <public/cbps.h>; so do the unit tests. */
#include <cbps.h>
