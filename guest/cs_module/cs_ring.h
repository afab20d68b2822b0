/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's consumer side of the cbps ring.
 *
 * Pure logic over the shared page: built into cs.ko and into the host
 * unit tests.  The caller serialises all calls for one ring.
 */
#ifndef _CS_RING_H
#define _CS_RING_H

#include <linux/types.h>
#include <cbps.h>

struct cs_ring {
	struct cbps_ring *sring;	/* page shared with Xen */
	u32 cons;			/* private copy of the consumer index */
};

void cs_ring_init(struct cs_ring *r, struct cbps_ring *sring);

/*
 * Copy up to max entries out of the ring and release their slots to Xen.
 * Returns the number taken, or -EIO when Xen's prod index is impossible.
 */
int cs_ring_take(struct cs_ring *r, struct cbps_ring_entry *out,
		 unsigned int max);

/* Entries posted and not yet taken, as far as the shared page says. */
u32 cs_ring_unread(const struct cs_ring *r);

/* Xen has entries waiting for space and wants CBPS_OP_kick. */
bool cs_ring_wants_kick(const struct cs_ring *r);

#endif /* _CS_RING_H */
