/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring.h: Xen's producer side of a guest's cbps ring.
 *
 * Pure logic over the shared page: built into Xen and into the host unit
 * tests.  The caller serialises all calls for one ring.
 */
#ifndef __CBPS_RING_H__
#define __CBPS_RING_H__

#include <xen/types.h>
#include <public/cbps.h>

struct cbps_ring_prod {
    struct cbps_ring *sring;    /* the guest's page, writable by the guest */
    uint32_t prod;              /* private: the guest may scribble on sring */
};

/* Take over a freshly registered ring page and write its header. */
void cbps_ring_prod_init(struct cbps_ring_prod *p, struct cbps_ring *sring);

/*
 * Free slots, or -1 when the guest's cons index is impossible.  *cons is
 * set to the index read, so the caller can report it.
 */
int cbps_ring_free_slots(const struct cbps_ring_prod *p, uint32_t *cons);

/* Write one entry; the caller has checked that a slot is free. */
void cbps_ring_put(struct cbps_ring_prod *p, const struct cbps_ring_entry *e);

/*
 * Make the entries written so far visible, and tell the guest how many
 * more wait for space (pending != 0 asks for a kick).
 */
void cbps_ring_publish(struct cbps_ring_prod *p, uint32_t pending);

#endif /* __CBPS_RING_H__ */
