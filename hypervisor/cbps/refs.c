/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * refs.c: the records of shared frames (the thesis's Reference Manager).
 *
 * A share is in by_mfn from the moment convert() has its pool frame, and
 * in by_hash only once its contents are in (hashed).  Until then only
 * its creator holds it, and its holder is leaving: nobody joins, unshares
 * or gives back a frame whose bytes may not be there and whose share may
 * yet be undone.  A holder is leaving from its join until its entries map
 * the share, and while one context takes it away; that context alone
 * then ends or undoes the leave, and relinquish waits for it.
 *
 * Each domain's holds are also on d->arch.pv.cbps_holds, counted by kind,
 * so that what a domain holds costs nothing to count or walk.
 *
 * Callers hold share_lock (share.c); see refs.h.
 */
#include <xen/errno.h>
#include <xen/lib.h>
#include <xen/list.h>
#include <xen/mm.h>
#include <xen/sched.h>

#include "private.h"
#include "refs.h"

#define BUCKETS         1024

static struct share *by_mfn[BUCKETS], *by_hash[BUCKETS];
unsigned long cbps_nr_shares;
uint64_t cbps_nr_holders;

static unsigned int bucket(uint64_t key)
{
    return (key ^ (key >> 10) ^ (key >> 20)) % BUCKETS;
}

struct share *cbps_refs_find(mfn_t s)
{
    struct share *sh;

    for ( sh = by_mfn[bucket(mfn_x(s))]; sh; sh = sh->mnext )
        if ( mfn_eq(sh->mfn, s) )
            return sh;
    return NULL;
}

struct holder *cbps_refs_holder(const struct share *sh,
                                const struct domain *d)
{
    struct holder *h;

    for ( h = sh->holders; h; h = h->next )
        if ( h->d == d )
            return h;
    return NULL;
}

struct share *cbps_refs_hash_next(uint64_t hash, unsigned int group,
                                  const struct share *after)
{
    struct share *sh = after ? after->hnext : by_hash[bucket(hash)];

    for ( ; sh; sh = sh->hnext )
        if ( sh->hash == hash && !sh->closing && sh->group == group )
            return sh;
    return NULL;
}

void cbps_refs_insert(struct share *sh)
{
    ASSERT(!sh->nr_holders && !sh->hashed && !sh->closing);
    sh->mnext = by_mfn[bucket(mfn_x(sh->mfn))];
    by_mfn[bucket(mfn_x(sh->mfn))] = sh;
    cbps_nr_shares++;
}

void cbps_refs_complete(struct share *sh, uint64_t hash)
{
    ASSERT(!sh->hashed && sh->nr_holders == 1 && sh->holders->leaving);
    sh->hash = hash;
    sh->hnext = by_hash[bucket(hash)];
    by_hash[bucket(hash)] = sh;
    sh->hashed = true;
    sh->holders->leaving = false;   /* complete: it may be unshared now */
}

static void unlink_share(struct share *sh)
{
    struct share **p;

    for ( p = &by_mfn[bucket(mfn_x(sh->mfn))]; *p != sh; p = &(*p)->mnext )
        ;
    *p = sh->mnext;
    if ( sh->hashed )
    {
        for ( p = &by_hash[bucket(sh->hash)]; *p != sh; p = &(*p)->hnext )
            ;
        *p = sh->hnext;
    }
    cbps_nr_shares--;
}

void cbps_refs_remove(struct share *sh)
{
    ASSERT(!sh->nr_holders && !sh->hashed);
    unlink_share(sh);
}

static void link_holder(struct share *sh, struct holder *h)
{
    h->sh = sh;
    h->next = sh->holders;
    sh->holders = h;
    sh->nr_holders++;
    cbps_nr_holders++;
    list_add_tail(&h->dlist, &h->d->arch.pv.cbps_holds);
    h->d->arch.pv.cbps_held[h->kind]++;
}

static void unlink_holder(struct share *sh, struct holder *h)
{
    struct holder **p;

    for ( p = &sh->holders; *p != h; p = &(*p)->next )
        ;
    *p = h->next;
    sh->nr_holders--;
    cbps_nr_holders--;
    list_del(&h->dlist);
    h->d->arch.pv.cbps_held[h->kind]--;
}

/*
 * A domain's holds are all of one group (no join while it gives them
 * back), so its first hold tells.
 */
bool cbps_refs_held_elsewhere(const struct domain *d)
{
    const struct holder *h;

    if ( !is_pv_domain(d) || list_empty(&d->arch.pv.cbps_holds) )
        return false;
    h = list_first_entry(&d->arch.pv.cbps_holds, struct holder, dlist);
    return h->sh->group != cbps_group(d);
}

unsigned long cbps_refs_held(const struct domain *d)
{
    const unsigned long *n = d->arch.pv.cbps_held;

    if ( !is_pv_domain(d) )
        return 0;
    BUILD_BUG_ON(ARRAY_SIZE(d->arch.pv.cbps_held) != CBPS_KIND_ANON + 1);
    return n[CBPS_KIND_OTHER] + n[CBPS_KIND_IMAGE] + n[CBPS_KIND_CACHE] +
           n[CBPS_KIND_ANON];
}

enum cbps_refusal cbps_refs_may_join(const struct share *sh,
                                     const struct domain *d, bool fresh)
{
    if ( !sh || sh->closing || cbps_refs_holder(sh, d) )
        return R_SHARE;
    /*
     * A share convert() is still filling (a stale offer can name its
     * pool frame): its bytes are not in yet, and it may yet be undone.
     */
    if ( !fresh && !sh->hashed )
        return R_BUILDING;
    /*
     * Nothing new while d gives back everything it holds (a move between
     * groups, suspend, log-dirty): the holds stay of one group, and a
     * guest committing fast cannot stall its own suspend or migration.
     */
    if ( cbps_refs_held_elsewhere(d) || ACCESS_ONCE(d->arch.pv.cbps_steps) )
        return R_DRAIN;
    /* Checked again here: d's other vCPUs commit too. */
    if ( cbps_opts.max_held && cbps_refs_held(d) >= cbps_opts.max_held )
        return R_CAP;
    /* The control domain may have moved d since the offer. */
    if ( !cbps_may_share(d) || sh->group != cbps_group(d) )
        return R_GROUP;
    return R_NONE;
}

void cbps_refs_link(struct share *sh, struct holder *h)
{
    h->leaving = true;          /* not usable until switched */
    link_holder(sh, h);
}

void cbps_refs_ready(struct holder *h)
{
    ASSERT(h->leaving && h->sh->hashed);
    h->leaving = false;
}

int cbps_refs_leave_begin(mfn_t s, const struct domain *d, bool close,
                          struct share **shp, struct holder **hp)
{
    struct share *sh = cbps_refs_find(s);
    struct holder *h = sh ? cbps_refs_holder(sh, d) : NULL;
    bool last;

    if ( !h )
        return -ENOENT;
    if ( h->leaving || !sh->hashed )
        return -EAGAIN;
    h->leaving = true;
    last = sh->nr_holders == 1;
    if ( last && close )
        sh->closing = true;
    *shp = sh;
    *hp = h;
    return last;
}

void cbps_refs_leave_undo(struct share *sh, struct holder *h)
{
    ASSERT(h->leaving && h->sh == sh);
    h->leaving = false;
    sh->closing = false;
}

bool cbps_refs_leave_end(struct share *sh, struct holder *h)
{
    ASSERT(h->leaving && h->sh == sh);
    unlink_holder(sh, h);
    if ( sh->nr_holders )
        return false;
    unlink_share(sh);
    return true;
}

int cbps_refs_release(struct domain *d, unsigned int max,
                      struct holder **released, struct share **freed,
                      bool *waiting)
{
    struct holder *h, *tmp;
    struct share *sh;
    unsigned int done = 0;
    int rc = 0;

    *released = NULL;
    *freed = NULL;
    if ( waiting )
        *waiting = false;
    if ( !is_pv_domain(d) )
        return 0;

    list_for_each_entry_safe ( h, tmp, &d->arch.pv.cbps_holds, dlist )
    {
        /* Another context's unshare: it ends or undoes the leave. */
        if ( h->leaving )
        {
            rc = -ERESTART;
            if ( waiting )
                *waiting = true;
            continue;
        }
        if ( done == max )
        {
            rc = -ERESTART;
            break;
        }
        sh = h->sh;
        unlink_holder(sh, h);
        h->next = *released;
        *released = h;
        done++;
        if ( sh->nr_holders )
            continue;
        unlink_share(sh);
        sh->mnext = *freed;
        *freed = sh;
    }
    return rc;
}
