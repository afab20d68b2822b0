/*
 * Host stand-in for <xen/mm.h>: mfn_t (a struct, as in Xen's debug
 * builds, so that an MFN is never mixed up with a plain number).
 */
#ifndef SHIM_XEN_MM_H
#define SHIM_XEN_MM_H
#include <stdbool.h>
#include <xen/types.h>

typedef struct { unsigned long mfn; } mfn_t;

static inline mfn_t _mfn(unsigned long m)
{
    return (mfn_t){ m };
}

static inline unsigned long mfn_x(mfn_t m)
{
    return m.mfn;
}

static inline bool mfn_eq(mfn_t x, mfn_t y)
{
    return mfn_x(x) == mfn_x(y);
}

#define INVALID_MFN _mfn(~0UL)
#endif
