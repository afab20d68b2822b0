// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's consumer side of the cbps ring.
 *
 * Xen writes prod and the entries, the guest writes cons.  Entries are
 * copied out before cons moves past them, so Xen can never overwrite an
 * entry while it is being read.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/barrier.h>

#include "cs_ring.h"

void cs_ring_init(struct cs_ring *r, struct cbps_ring *sring)
{
	r->sring = sring;
	r->cons = 0;
}

int cs_ring_take(struct cs_ring *r, struct cbps_ring_entry *out,
		 unsigned int max)
{
	u32 prod = READ_ONCE(r->sring->prod);
	u32 avail = CBPS_RING_DISTANCE(prod, r->cons);
	unsigned int i, n;

	if (avail > CBPS_RING_ENTRIES)
		return -EIO;
	n = avail < max ? avail : max;

	/*
	 * Read the entries only after the prod that covers them.  virt_*:
	 * Xen is on another CPU even when this kernel is built !SMP.
	 */
	virt_rmb();
	for (i = 0; i < n; i++)
		out[i] = r->sring->ent[CBPS_RING_IDX(r->cons + i)];
	r->cons += n;

	/* Finish reading the slots before Xen may reuse them. */
	virt_mb();
	WRITE_ONCE(r->sring->cons, r->cons);

	return n;
}

u32 cs_ring_unread(const struct cs_ring *r)
{
	return CBPS_RING_DISTANCE(READ_ONCE(r->sring->prod), r->cons);
}

bool cs_ring_wants_kick(const struct cs_ring *r)
{
	/* Our cons store before the flags load (x86 reorders those). */
	virt_mb();
	return READ_ONCE(r->sring->flags) & CBPS_RING_F_KICK;
}
