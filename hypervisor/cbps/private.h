/* SPDX-License-Identifier: GPL-2.0-only */
/* private.h: what the cbps files inside Xen share with each other. */
#ifndef __CBPS_PRIVATE_H__
#define __CBPS_PRIVATE_H__

#include <xen/sched.h>
#include <xen/spinlock.h>
#include <public/cbps.h>

#include "opts.h"
#include "ring.h"

/* An offer posted to a guest and not yet taken. */
#define CBPS_OFFERS             128
struct cbps_offer {
    uint64_t from, to;
    uint64_t partner_mfn;       /* convert: the frame to offer next */
    uint64_t cycle;             /* scan cycle it was posted in */
    domid_t partner;            /* DOMID_INVALID: none */
    bool used;
};

/*
 * Frames the guest declined as ineligible (mapped, not page cache, not
 * its own any more): not offered again for CBPS_DECLINE_CYCLES scan
 * cycles, so that their offers do not crowd out the ones it can take.
 * Direct-mapped by MFN: a collision only forgets, never blocks more.
 */
#define CBPS_DECLINED           2048
#define CBPS_DECLINE_CYCLES     4
struct cbps_declined {
    uint64_t mfn;
    uint64_t cycle;
};

/*
 * Offers the scanner made while the guest's ring or offer table was full,
 * posted in order as the guest frees slots, so that a burst (a guest's
 * whole kernel image at boot) is not lost until the next scan cycle.
 * While a backlog is more than half full the scanner waits for the guest,
 * but only while it drains, and for a bounded time each cycle.
 */
#define CBPS_BACKLOG            2048
#define CBPS_BACKLOG_WAIT       MILLISECS(100)  /* no drain this long: stuck */
#define CBPS_WAIT_MAX           SECONDS(10)     /* most waited in a cycle */

struct cbps_domain {
    struct domain *d;
    uint32_t tokens;            /* call-rate= budget left */
    s_time_t refill;            /* when tokens were last topped up */
    struct page_info *ring_pg;
    struct cbps_ring_prod ring;
    uint32_t next_seq;          /* seq of the next test entry */
    uint64_t pending;           /* test entries waiting for ring space */
    bool kick_asked;            /* CBPS_RING_F_KICK is set in the ring */
    struct cbps_dom_stats stats;
    struct cbps_census cur;     /* the scan cycle under way */
    struct cbps_census last;    /* the last completed scan cycle */
    struct cbps_share_stats share;
    struct cbps_offer offer[CBPS_OFFERS];
    struct cbps_declined declined[CBPS_DECLINED];
    struct cbps_offer backlog[CBPS_BACKLOG];    /* FIFO from bl_head */
    unsigned int bl_head, bl_len;
    s_time_t bl_moved;          /* when the guest last freed an offer slot */
    bool bl_waiting;            /* the scanner waits for this backlog */
    uint64_t offers_lost;       /* backlog full or two cycles old */
};

/* Boot options; scan.c changes the scanner's at run time (scan_lock). */
extern struct cbps_opts cbps_opts;

/* Covers every cbps_domain and the counters in core.c. */
extern spinlock_t cbps_lock;
extern unsigned int cbps_nr_registered;

struct cbps_domain *dom_cbps(const struct domain *d);

/*
 * Sharing groups (issue 8).  A domain shares only with domains of its
 * own group; domains in no group (0) share with each other only with
 * cbps=...,ungrouped=share.  Read without a lock: a commit checks again
 * against the shared frame's group under share_lock.
 */
static inline unsigned int cbps_group(const struct domain *d)
{
    return is_pv_domain(d) ? ACCESS_ONCE(d->arch.pv.cbps_group) : 0;
}

static inline bool cbps_may_share(const struct domain *d)
{
    return cbps_group(d) || cbps_opts.ungrouped_share;
}

static inline bool cbps_same_group(const struct domain *a,
                                   const struct domain *b)
{
    return cbps_may_share(a) && cbps_group(a) == cbps_group(b);
}

/* core.c: offers (cbps_lock). */
bool cbps_offer(struct domain *d, mfn_t from, mfn_t to, domid_t partner,
                mfn_t partner_mfn);
int cbps_offer_take(struct domain *d, mfn_t from, mfn_t to, int declined,
                    domid_t *partner, mfn_t *partner_mfn);
void cbps_offers_expire(uint64_t cycle);
bool cbps_offers_backlogged(void);

/* scan.c */
uint64_t cbps_scan_hash(const void *va);
uint64_t cbps_scan_cycle(void);
int cbps_scan_init(void);
void cbps_scan_wake(void);
int cbps_census_op(struct xen_cbps_op *op);
void cbps_scan_info_op(struct cbps_scan_info *info);
int cbps_scan_set_op(const struct cbps_scan_info *set);
void cbps_scan_dump(void);

#endif /* __CBPS_PRIVATE_H__ */
