/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ring.c: Xen's producer side of a guest's cbps ring.
 *
 * The page belongs to the guest and stays writable by it, so everything
 * read back from it is untrusted: Xen keeps its own copy of prod, reads
 * cons exactly once per decision and checks it against that copy.  A
 * guest that corrupts cons only stops its own ring.
 */
#include <xen/lib.h>
#include <xen/string.h>
#include <asm/system.h>

#include "ring.h"

void cbps_ring_prod_init(struct cbps_ring_prod *p, struct cbps_ring *sring)
{
    p->sring = sring;
    p->prod = 0;

    memset(sring, 0, offsetof(struct cbps_ring, ent));
    sring->magic = CBPS_RING_MAGIC;
    sring->version = CBPS_INTERFACE_VERSION;
    smp_wmb();
}

int cbps_ring_free_slots(const struct cbps_ring_prod *p, uint32_t *cons)
{
    uint32_t used;

    *cons = ACCESS_ONCE(p->sring->cons);
    used = CBPS_RING_DISTANCE(p->prod, *cons);
    /* Slots are rewritten only after the guest's read of them is done. */
    smp_mb();

    return used > CBPS_RING_ENTRIES ? -1 : (int)(CBPS_RING_ENTRIES - used);
}

void cbps_ring_put(struct cbps_ring_prod *p, const struct cbps_ring_entry *e)
{
    p->sring->ent[CBPS_RING_IDX(p->prod)] = *e;
    p->prod++;
}

void cbps_ring_publish(struct cbps_ring_prod *p, uint32_t pending)
{
    struct cbps_ring *s = p->sring;

    /* Entries before the index that covers them. */
    smp_wmb();
    ACCESS_ONCE(s->prod) = p->prod;
    ACCESS_ONCE(s->pending) = pending;
    ACCESS_ONCE(s->flags) = pending ? CBPS_RING_F_KICK : 0;
    /* The flags are visible before the VIRQ the caller raises next. */
    smp_wmb();
}
