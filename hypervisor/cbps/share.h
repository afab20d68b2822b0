/* SPDX-License-Identifier: GPL-2.0-only */
/* share.h: shared frames, between core.c, scan.c and the hooks. */
#ifndef __CBPS_SHARE_H__
#define __CBPS_SHARE_H__

#include <xen/mm.h>
#include <xen/sched.h>
#include <public/cbps.h>

int cbps_share_init(void);

/*
 * A shared frame with hash h whose contents equal va's and that d does not
 * hold yet; INVALID_MFN when there is none.  One that d holds already (at
 * another pfn) is counted in d's intra_dups.
 */
mfn_t cbps_share_lookup(uint64_t h, const void *va, struct domain *d);

/*
 * CBPS_OP_commit for d (current).  partner: who to offer the new share;
 * *shared: the shared frame d's frame was replaced by.
 */
int cbps_share_commit(struct domain *d, const struct xen_cbps_op *op,
                      domid_t *partner, mfn_t *partner_mfn, mfn_t *shared);

/* Shared frames d holds now (for max-held=). */
unsigned long cbps_share_held(const struct domain *d);

/*
 * d moved to another sharing group: it gets its own copy of everything
 * it holds (d paused by the caller).  0; -ERESTART: continue the
 * hypercall, and call again; -ENOMEM with frames left.
 */
int cbps_share_regroup(struct domain *d);

/* d holds frames of a sharing group it is no longer in. */
bool cbps_share_held_elsewhere(const struct domain *d);

/* CBPS_OP_unshare_all: give d its own copy of up to a batch of frames. */
int cbps_share_unshare_all(struct domain *d, uint64_t *left);

/* CBPS_OP_share_info. */
int cbps_share_info(struct domain *d, struct cbps_share_stats *s);
void cbps_share_total(struct cbps_share_total *t);

/*
 * A dying domain lets go of every frame it holds, without copies.  0, or
 * -ERESTART: call again.
 */
int cbps_share_relinquish(struct domain *d);

void cbps_share_dump(void);

#endif /* __CBPS_SHARE_H__ */
