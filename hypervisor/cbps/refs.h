/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * refs.h: the records of shared frames (the thesis's Reference Manager):
 * which shares exist, who holds each, and the rules for joining and
 * leaving one.  share.c does the page, entry and p2m work around them.
 *
 * No page work and no locks here: built into Xen and into the host unit
 * tests.  Every function's caller holds share_lock (share.c).
 */
#ifndef __CBPS_REFS_H__
#define __CBPS_REFS_H__

#include <xen/list.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/types.h>
#include <asm/page.h>
#include <public/cbps.h>

struct cbps_pte {
    paddr_t ma;                 /* machine address of the L1 entry */
    intpte_t orig;              /* the entry before commit */
};

struct holder {
    struct holder *next;
    struct list_head dlist;     /* d->arch.pv.cbps_holds */
    struct share *sh;
    struct domain *d;           /* dropped in relinquish before d goes */
    paddr_t p2m_ma;             /* machine address of d's p2m[pfn] */
    unsigned long pfn;          /* d's pfn for S: its M2P view says so */
    bool leaving;               /* an unshare is under way */
    uint8_t kind;               /* CBPS_KIND_*, the guest's word for it */
    unsigned int nr_ptes;
    struct cbps_pte pte[CBPS_COMMIT_MAX_PTES];
};

struct share {
    struct share *mnext, *hnext;
    mfn_t mfn;
    uint64_t hash;
    unsigned int nr_holders;
    bool hashed;                /* in by_hash: its contents are in */
    bool closing;               /* last holder leaving: no new holders */
    unsigned int group;         /* the sharing group of its holders */
    struct holder *holders;
};

/* Why commits are refused: counted, and the first few printed (share.c). */
enum cbps_refusal {
    R_NONE = -1,
    R_OFFER, R_GONE, R_PTE, R_P2M, R_REFS, R_DIFF, R_SHARE, R_NOMEM,
    R_PAUSE, R_POOL, R_PAGING, R_GROUP, R_CAP, R_IOMMU, R_BUILDING, R_DRAIN,
    R_NR
};

/* Shares (0 lets every hook return at once) and holders. */
extern unsigned long cbps_nr_shares;
extern uint64_t cbps_nr_holders;

/* The share of frame s, or NULL. */
struct share *cbps_refs_find(mfn_t s);

/* d's holder of sh, or NULL. */
struct holder *cbps_refs_holder(const struct share *sh,
                                const struct domain *d);

/*
 * The complete, open shares of a group with contents hash: the first
 * (after == NULL) or the one after after; NULL at the end.
 */
struct share *cbps_refs_hash_next(uint64_t hash, unsigned int group,
                                  const struct share *after);

/*
 * convert(): a new share (mfn and group set, no holder) goes in as
 * building: findable by MFN for its creator's join, by nobody's lookup,
 * and no other domain may join it.  Counted in cbps_nr_shares.
 */
void cbps_refs_insert(struct share *sh);

/*
 * Its contents are in: sh is findable by hash, and its creator's holder
 * (its only one) may leave from now on.
 */
void cbps_refs_complete(struct share *sh, uint64_t hash);

/* The creator's join failed: the building share, with no holder, goes. */
void cbps_refs_remove(struct share *sh);

/*
 * May d join sh (NULL: gone) as a new holder?  fresh: the creator, for
 * the share convert() is building.  R_NONE, or why not.
 */
enum cbps_refusal cbps_refs_may_join(const struct share *sh,
                                     const struct domain *d, bool fresh);

/*
 * d's holder h (h->d, h->kind set) joins sh: leaving, until the caller
 * has switched d's entries (cbps_refs_ready(), or cbps_refs_complete()
 * for the creator).
 */
void cbps_refs_link(struct share *sh, struct holder *h);

/* h's entries map its share now: it may leave. */
void cbps_refs_ready(struct holder *h);

/*
 * d begins to leave the share of frame s: its holder is marked leaving
 * (no other context starts a leave of it, relinquish waits for it), and
 * with close, the share takes no new holder if d is its last.  *shp and
 * *hp: the records, which stay until cbps_refs_leave_end() or
 * cbps_refs_leave_undo().  0; 1 when d is the last holder; -ENOENT: d
 * holds no s; -EAGAIN: the share is still being built, or another
 * context is taking d's hold away.
 */
int cbps_refs_leave_begin(mfn_t s, const struct domain *d, bool close,
                          struct share **shp, struct holder **hp);

/* The leave failed: h is usable again, and the share open. */
void cbps_refs_leave_undo(struct share *sh, struct holder *h);

/*
 * The leave is done: h is unlinked, for the caller to free.  true when
 * sh is left with no holder: unlinked too, for the caller to free.
 */
bool cbps_refs_leave_end(struct share *sh, struct holder *h);

/*
 * Dying d gives back up to max of its holds: each comes out of the
 * records onto *released (by ->next), and each share left with no holder
 * onto *freed (by ->mnext), for the caller to free.  A hold that is
 * leaving (another context's unshare in flight) stays, and *waiting
 * (if not NULL) says so.  0: d holds nothing now; -ERESTART: call again.
 */
int cbps_refs_release(struct domain *d, unsigned int max,
                      struct holder **released, struct share **freed,
                      bool *waiting);

/* Shared frames d holds now. */
unsigned long cbps_refs_held(const struct domain *d);

/*
 * d holds frames of a group it is no longer in: a move between groups
 * is under way.
 */
bool cbps_refs_held_elsewhere(const struct domain *d);

#endif /* __CBPS_REFS_H__ */
