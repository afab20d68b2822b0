/* SPDX-License-Identifier: GPL-2.0-only */
/* pool.h: the pool of shared frames and the per-domain M2P views. */
#ifndef __CBPS_POOL_H__
#define __CBPS_POOL_H__

#include <xen/mm.h>
#include <xen/sched.h>

/* Reserve mb MiB at boot; -ENOMEM (and a boot message) if it cannot. */
int cbps_pool_init(unsigned int mb);

unsigned long cbps_pool_frames(void);
unsigned long cbps_pool_free_frames(void);

/* A free pool frame: no owner, no references.  NULL when none is left. */
struct page_info *cbps_pool_alloc(void);

/* d's M2P entry for pool frame m (INVALID_M2P_ENTRY: d holds no pfn). */
void cbps_m2p_set(struct domain *d, mfn_t m, unsigned long pfn);

#endif /* __CBPS_POOL_H__ */
