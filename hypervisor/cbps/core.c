/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * core.c: cbps in Xen: the boot flag, guest registration, the
 * XENMEM_cbps_op hypercall and the 'B' debug key.
 *
 * A PV guest takes part by handing Xen one of its own pages as a ring
 * (CBPS_OP_register).  Xen keeps a general and a writable-type reference
 * on that page for as long as it is registered, so the guest can neither
 * turn it into a page table nor hand it back to Xen under our feet; the
 * references are dropped on CBPS_OP_unregister or, at the latest, in the
 * first phase of domain_relinquish_resources().
 *
 * One global lock, cbps_lock, covers every cbps_domain and the global
 * counters.  Everything here is a cold path (registration, test posts,
 * dom0 queries), and the scanner that later feeds the rings batches its
 * posts.  The lock nests outside the event channel locks (we raise VIRQs
 * with it held) and inside domlist_read_lock.
 */
#include <xen/domain_page.h>
#include <xen/event.h>
#include <xen/guest_access.h>
#include <xen/init.h>
#include <xen/keyhandler.h>
#include <xen/lib.h>
#include <xen/param.h>
#include <xen/rcupdate.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/vmap.h>
#include <xen/xmalloc.h>
#include <asm/cbps.h>
#include <asm/p2m.h>
#include <asm/paging.h>
#include <public/cbps.h>

#include "private.h"
#include "share.h"

struct cbps_opts __read_mostly cbps_opts = CBPS_OPTS_DEFAULT;

DEFINE_SPINLOCK(cbps_lock);
unsigned int cbps_nr_registered;        /* guests with a ring now */
static uint64_t registrations;          /* since boot */
static uint64_t total_posted;           /* ring entries, since boot */
static uint64_t bad_calls;              /* calls refused with -EINVAL */

static int __init cf_check parse_cbps(const char *s)
{
    char err[96];
    int rc = cbps_opts_parse(&cbps_opts, s, err, sizeof(err));

    if ( rc )
        printk(XENLOG_ERR "cbps: %s in cbps=%s\n", err, s);

    return rc;
}
custom_param("cbps", parse_cbps);

struct cbps_domain *dom_cbps(const struct domain *d)
{
    return is_pv_domain(d) ? d->arch.pv.cbps : NULL;
}

/*
 * Refresh the consumed count from the guest's cons index.  Returns the
 * free slots, or -1 when cons is impossible.
 */
static int cbps_ring_check(struct cbps_domain *c)
{
    uint32_t cons;
    int room = cbps_ring_free_slots(&c->ring, &cons);

    if ( room >= 0 )
        c->stats.consumed = c->stats.posted - (CBPS_RING_ENTRIES - room);

    return room;
}

/*
 * Post what the ring has room for and raise the VIRQ.  Entries that do not
 * fit stay counted in c->pending: nothing is lost and nothing waits in Xen
 * on the guest.
 */
static void cbps_flush(struct cbps_domain *c)
{
    struct cbps_ring_entry e = {
        .from_mfn = CBPS_INVALID_MFN,
        .to_mfn = CBPS_INVALID_MFN,
        .type = CBPS_ENTRY_TEST,
    };
    int room = cbps_ring_check(c);
    uint64_t i, n;

    ASSERT(spin_is_locked(&cbps_lock));

    if ( room < 0 )
    {
        /* Counted here only: looking at the ring (domain_info) is free. */
        c->stats.ring_errors++;
        return;
    }

    n = min_t(uint64_t, room, c->pending);
    for ( i = 0; i < n; i++ )
    {
        e.seq = c->next_seq++;
        cbps_ring_put(&c->ring, &e);
    }
    c->pending -= n;
    c->stats.pending = c->pending;
    c->stats.posted += n;
    total_posted += n;
    if ( c->pending )
        c->stats.ring_full++;

    cbps_ring_publish(&c->ring, min_t(uint64_t, c->pending, UINT32_MAX));

    /*
     * A VIRQ for new entries, and for a newly set kick flag: the guest may
     * have drained the ring and read the flag just before we set it, and
     * would never kick.  Nothing new means no VIRQ, so a guest kicking in
     * a loop gets no storm.
     */
    if ( n || (c->pending && !c->kick_asked) )
    {
        send_guest_global_virq(c->d, VIRQ_CBPS);
        c->stats.virqs++;
    }
    c->kick_asked = c->pending;
}

enum offer_res {
    OFFER_POSTED,
    OFFER_DROPPED,              /* not wanted: offered already, declined... */
    OFFER_FULL,                 /* no room in the ring or the offer table */
};

/*
 * Would d turn o down, or Xen refuse its commit?  Checked when the offer
 * is made and again when it leaves the backlog.  Caller holds cbps_lock,
 * which set_group takes too.
 */
static bool offer_unwanted(const struct domain *d,
                           const struct cbps_domain *c,
                           const struct cbps_offer *o)
{
    const struct cbps_declined *dc = &c->declined[o->from % CBPS_DECLINED];

    /* Inside a group, below max-held=, not in shadow mode (log-dirty). */
    if ( !cbps_may_share(d) || paging_mode_enabled(d) ||
         (cbps_opts.max_held && cbps_share_held(d) >= cbps_opts.max_held) )
        return true;

    /* Declined as ineligible lately. */
    return dc->mfn == o->from &&
           dc->cycle + CBPS_DECLINE_CYCLES > cbps_scan_cycle();
}

/* Post o to d's ring and offer table.  Caller holds cbps_lock. */
static enum offer_res offer_post(struct domain *d, struct cbps_domain *c,
                                 const struct cbps_offer *o)
{
    struct cbps_ring_entry e = {
        .from_mfn = o->from,
        .to_mfn = o->to,
        .type = CBPS_ENTRY_OFFER,
    };
    struct cbps_offer *free = NULL;
    int room = cbps_ring_check(c);
    unsigned int i;

    if ( room < 0 || offer_unwanted(d, c, o) )
        return OFFER_DROPPED;
    for ( i = 0; i < CBPS_OFFERS; i++ )
    {
        if ( !c->offer[i].used )
            free = free ?: &c->offer[i];
        else if ( c->offer[i].from == o->from )
            return OFFER_DROPPED;       /* already offered */
        else if ( c->offer[i].to == o->to && o->from != o->to )
            return OFFER_DROPPED;       /* one pfn a domain a shared frame */
    }
    if ( !free || !room )
        return OFFER_FULL;

    *free = *o;
    free->used = true;
    free->cycle = cbps_scan_cycle();

    e.seq = c->next_seq++;
    cbps_ring_put(&c->ring, &e);
    cbps_ring_publish(&c->ring, min_t(uint64_t, c->pending, UINT32_MAX));
    c->stats.posted++;
    total_posted++;
    c->share.offered++;
    send_guest_global_virq(d, VIRQ_CBPS);
    c->stats.virqs++;

    return OFFER_POSTED;
}

/*
 * Post d's backlog, oldest first, while there is room; what is two
 * cycles old is lost (the scanner finds it again).  cbps_lock held.
 */
static void offers_drain(struct domain *d, struct cbps_domain *c)
{
    while ( c->bl_len )
    {
        const struct cbps_offer *o = &c->backlog[c->bl_head];

        if ( o->cycle + 2 <= cbps_scan_cycle() )
            c->offers_lost++;
        else if ( offer_post(d, c, o) == OFFER_FULL )
            break;
        c->bl_head = (c->bl_head + 1) % CBPS_BACKLOG;
        c->bl_len--;
    }
}

/*
 * Offer d to replace its frame from by to (partner: the domain whose
 * frame partner_mfn to offers next, once from is shared).  Posted now if
 * d's ring and offer table have room, else kept in its backlog.
 */
bool cbps_offer(struct domain *d, mfn_t from, mfn_t to, domid_t partner,
                mfn_t partner_mfn)
{
    const struct cbps_offer o = {
        .from = mfn_x(from),
        .to = mfn_x(to),
        .partner = partner,
        .partner_mfn = mfn_x(partner_mfn),
        .cycle = cbps_scan_cycle(),
    };
    struct cbps_domain *c;
    bool taken = false;

    spin_lock(&cbps_lock);
    c = dom_cbps(d);
    if ( !c || offer_unwanted(d, c, &o) )
        goto out;
    offers_drain(d, c);
    if ( !c->bl_len )
    {
        switch ( offer_post(d, c, &o) )
        {
        case OFFER_POSTED:
            taken = true;
            /* fall through */
        case OFFER_DROPPED:
            goto out;
        case OFFER_FULL:
            break;
        }
    }
    if ( c->bl_len < CBPS_BACKLOG )
    {
        if ( !c->bl_len )
            c->bl_moved = NOW();        /* the guest's time starts now */
        c->backlog[(c->bl_head + c->bl_len++) % CBPS_BACKLOG] = o;
        taken = true;
    }
    else
        c->offers_lost++;
 out:
    spin_unlock(&cbps_lock);
    return taken;
}

/*
 * Take d's offer (from, to): -ESRCH if Xen made none (or it expired).
 * declined: the guest turns it down (CBPS_DECLINE_*), or -1 (a commit).
 * The slot goes to the backlog's next offer, after a decline is noted.
 */
int cbps_offer_take(struct domain *d, mfn_t from, mfn_t to, int declined,
                    domid_t *partner, mfn_t *partner_mfn)
{
    struct cbps_domain *c;
    unsigned int i;
    int rc = -ESRCH;

    spin_lock(&cbps_lock);
    c = dom_cbps(d);
    for ( i = 0; c && i < CBPS_OFFERS; i++ )
        if ( c->offer[i].used && c->offer[i].from == mfn_x(from) &&
             c->offer[i].to == mfn_x(to) )
        {
            c->offer[i].used = false;
            *partner = c->offer[i].partner;
            *partner_mfn = _mfn(c->offer[i].partner_mfn);
            if ( declined >= 0 )
                c->share.declined++;
            if ( declined == CBPS_DECLINE_INELIGIBLE )
            {
                c->declined[mfn_x(from) % CBPS_DECLINED].mfn = mfn_x(from);
                c->declined[mfn_x(from) % CBPS_DECLINED].cycle =
                    cbps_scan_cycle();
            }
            c->bl_moved = NOW();
            offers_drain(d, c);
            rc = 0;
            break;
        }
    spin_unlock(&cbps_lock);

    return rc;
}

/* Offers two cycles old are not coming back; nor is a backlog that old. */
void cbps_offers_expire(uint64_t cycle)
{
    struct domain *d;
    unsigned int i;

    rcu_read_lock(&domlist_read_lock);
    spin_lock(&cbps_lock);
    for_each_domain ( d )
    {
        struct cbps_domain *c = dom_cbps(d);

        for ( i = 0; c && i < CBPS_OFFERS; i++ )
            if ( c->offer[i].used && c->offer[i].cycle + 2 <= cycle )
            {
                c->offer[i].used = false;
                c->share.expired++;
            }
        if ( c )
            offers_drain(d, c);
    }
    spin_unlock(&cbps_lock);
    rcu_read_unlock(&domlist_read_lock);
}

/*
 * Should the scanner wait for the guests to take their offers?  Yes from
 * when some backlog is more than half full until it is a quarter full,
 * while its guest drains it: a guest that stops taking offers is not
 * waited for.  Posts what now fits, too.
 */
bool cbps_offers_backlogged(void)
{
    s_time_t now = NOW();
    struct domain *d;
    bool wait = false;

    rcu_read_lock(&domlist_read_lock);
    spin_lock(&cbps_lock);
    for_each_domain ( d )
    {
        struct cbps_domain *c = dom_cbps(d);

        if ( !c )
            continue;
        offers_drain(d, c);
        if ( c->bl_len > CBPS_BACKLOG / 2 )
            c->bl_waiting = true;
        else if ( c->bl_len <= CBPS_BACKLOG / 4 )
            c->bl_waiting = false;
        if ( c->bl_waiting && now - c->bl_moved < CBPS_BACKLOG_WAIT )
            wait = true;
    }
    spin_unlock(&cbps_lock);
    rcu_read_unlock(&domlist_read_lock);

    return wait;
}

static int cbps_commit(struct domain *d, const struct xen_cbps_op *op)
{
    domid_t partner = DOMID_INVALID;
    mfn_t pmfn = INVALID_MFN, shared = INVALID_MFN;
    struct domain *pd;
    int rc;

    if ( !cbps_opts.share )
        return -EOPNOTSUPP;
    if ( !dom_cbps(d) )
        return -ENOENT;

    /* Every refusal counts, bad arguments and offers never made too. */
    rc = cbps_share_commit(d, op, &partner, &pmfn, &shared);
    spin_lock(&cbps_lock);
    if ( dom_cbps(d) )
    {
        if ( rc )
            dom_cbps(d)->share.rejected++;
        else
        {
            dom_cbps(d)->share.committed++;
            dom_cbps(d)->share.returned++;
        }
    }
    spin_unlock(&cbps_lock);

    /*
     * The frame is shared now: offer it to the guest that has its twin,
     * if the two are still in one group (join checks again).
     */
    if ( !rc && partner != DOMID_INVALID &&
         (pd = rcu_lock_domain_by_id(partner)) != NULL )
    {
        if ( cbps_same_group(d, pd) )
            cbps_offer(pd, pmfn, shared, DOMID_INVALID, INVALID_MFN);
        rcu_unlock_domain(pd);
    }
    return rc;
}

static int cbps_decline(struct domain *d, const struct xen_cbps_op *op)
{
    domid_t partner;
    mfn_t pmfn;

    if ( !cbps_opts.share )
        return -EOPNOTSUPP;
    if ( op->u.commit.p2m_maddr || op->u.commit.nr_ptes ||
         op->u.commit.kind > CBPS_DECLINE_INELIGIBLE ||
         op->u.commit.pte_maddr[0] ||
         op->u.commit.pte_maddr[1] || op->u.commit.pte_maddr[2] ||
         op->u.commit.pte_maddr[3] )
        return -EINVAL;

    return cbps_offer_take(d, _mfn(op->u.commit.from_mfn),
                           _mfn(op->u.commit.to_mfn), op->u.commit.kind,
                           &partner, &pmfn);
}

static int cbps_share_info_op(struct domain *currd, struct xen_cbps_op *op)
{
    domid_t domid = op->u.share.domid;
    struct domain *d;
    int rc;

    if ( op->u.share.pad[0] || op->u.share.pad[1] || op->u.share.pad[2] )
        return -EINVAL;
    if ( domid == DOMID_SELF )
        return cbps_share_info(currd, &op->u.share.u.dom);
    if ( !is_control_domain(currd) )
        return -EPERM;
    if ( domid == CBPS_CENSUS_TOTAL )
    {
        cbps_share_total(&op->u.share.u.total);
        return 0;
    }

    d = rcu_lock_domain_by_id(domid);
    if ( !d )
        return -ESRCH;
    rc = cbps_share_info(d, &op->u.share.u.dom);
    rcu_unlock_domain(d);
    return rc;
}

static int cbps_register(struct domain *d, uint64_t gfn)
{
    struct cbps_domain *c;
    struct page_info *pg;
    void *va;
    int rc;

    if ( !is_pv_domain(d) || is_pv_32bit_domain(d) )
        return -EOPNOTSUPP;
    /* dom0 maps foreign frames all the time: it never shares. */
    if ( is_control_domain(d) || is_hardware_domain(d) )
        return -EPERM;
    /* Before anything is allocated: a guest may ask again and again. */
    if ( ACCESS_ONCE(d->arch.pv.cbps) )
        return -EEXIST;

    /* About 120 KiB (the backlog): need not be contiguous. */
    c = vzalloc(sizeof(*c));
    if ( !c )
        return -ENOMEM;

    /* For PV the gfn is an MFN; get_page_from_gfn() checks d owns it. */
    pg = get_page_from_gfn(d, gfn, NULL, P2M_ALLOC);
    if ( !pg )
    {
        vfree(c);
        return -EINVAL;
    }
    if ( !get_page_type(pg, PGT_writable_page) )
    {
        put_page(pg);
        vfree(c);
        return -EINVAL;
    }
    va = __map_domain_page_global(pg);
    if ( !va )
    {
        put_page_and_type(pg);
        vfree(c);
        return -ENOMEM;
    }

    spin_lock(&cbps_lock);
    if ( d->arch.pv.cbps )
        rc = -EEXIST;
    else if ( cbps_nr_registered >= cbps_opts.max_domains )
        rc = -ENOSPC;
    else if ( d->is_dying )
        rc = -ESRCH;
    else
    {
        c->d = d;
        c->ring_pg = pg;
        c->tokens = cbps_opts.call_rate;
        c->refill = NOW();
        cbps_ring_prod_init(&c->ring, va);
        d->arch.pv.cbps = c;
        cbps_nr_registered++;
        registrations++;
        rc = 0;
    }
    spin_unlock(&cbps_lock);

    if ( rc )
    {
        unmap_domain_page_global(va);
        put_page_and_type(pg);
        vfree(c);
        return rc;
    }

    printk(XENLOG_G_INFO "cbps: %pd registered, ring at mfn %#"PRI_mfn"\n",
           d, mfn_x(page_to_mfn(pg)));
    cbps_scan_wake();
    return 0;
}

/* Detach and free d's ring; -ENOENT when it has none. */
static int cbps_unregister(struct domain *d)
{
    struct cbps_domain *c;

    spin_lock(&cbps_lock);
    c = dom_cbps(d);
    if ( c )
    {
        d->arch.pv.cbps = NULL;
        cbps_nr_registered--;
    }
    spin_unlock(&cbps_lock);

    if ( !c )
        return -ENOENT;

    unmap_domain_page_global(c->ring.sring);
    put_page_and_type(c->ring_pg);
    vfree(c);

    printk(XENLOG_G_INFO "cbps: %pd unregistered\n", d);
    return 0;
}

int cbps_domain_relinquish(struct domain *d)
{
    /* A dying guest that never unregistered: drop the ring references. */
    if ( dom_cbps(d) )
        cbps_unregister(d);
    /* Its holds on shared frames go without copies: it will not run. */
    return cbps_share_relinquish(d);
}

static int cbps_kick(struct domain *d)
{
    struct cbps_domain *c;
    int rc = -ENOENT;

    spin_lock(&cbps_lock);
    c = dom_cbps(d);
    if ( c )
    {
        c->stats.kicks++;
        cbps_flush(c);
        rc = 0;
    }
    spin_unlock(&cbps_lock);

    return rc;
}

static int cbps_test_post(domid_t domid, uint32_t count)
{
    struct domain *d;
    struct cbps_domain *c;
    int rc = -ENOENT;

    if ( !count || count > CBPS_TEST_POST_MAX )
        return -EINVAL;

    d = rcu_lock_domain_by_id(domid);
    if ( !d )
        return -ESRCH;

    spin_lock(&cbps_lock);
    c = dom_cbps(d);
    if ( c )
    {
        c->pending += count;
        cbps_flush(c);
        rc = 0;
    }
    spin_unlock(&cbps_lock);

    rcu_unlock_domain(d);
    return rc;
}

/* The registered guest with the lowest domid >= *domid. */
static int cbps_domain_info(struct xen_cbps_op *op)
{
    const struct domain *d, *best = NULL;
    int rc = -ENOENT;

    rcu_read_lock(&domlist_read_lock);
    spin_lock(&cbps_lock);

    for_each_domain ( d )
        if ( d->domain_id >= op->u.dom.domid && dom_cbps(d) &&
             (!best || d->domain_id < best->domain_id) )
            best = d;

    if ( best )
    {
        struct cbps_domain *c = dom_cbps(best);

        cbps_ring_check(c);
        op->u.dom.domid = best->domain_id;
        op->u.dom.ring_mfn = mfn_x(page_to_mfn(c->ring_pg));
        op->u.dom.stats = c->stats;
        rc = 0;
    }

    spin_unlock(&cbps_lock);
    rcu_read_unlock(&domlist_read_lock);

    return rc;
}

static void cbps_global_stats(struct cbps_global_stats *s)
{
    spin_lock(&cbps_lock);
    s->enabled = cbps_opts.enabled;
    s->nr_registered = cbps_nr_registered;
    s->max_domains = cbps_opts.max_domains;
    s->pad = 0;
    s->registrations = registrations;
    s->posted = total_posted;
    s->bad_calls = bad_calls;
    spin_unlock(&cbps_lock);
}

/*
 * CBPS_OP_set_group.  The new group holds from now on: offers still in
 * the guest's table are dropped, and a commit checks the group again.
 * What the domain holds is unshared, whatever the groups: a frame it
 * shares with its old group must not stay shared.  That takes steps, each
 * a continuation of this call (pad2 = CBPS_GROUP_CONTINUING in the
 * caller's op): a continuation only goes on unsharing, and stops if
 * another move came after this one.
 */
static int cbps_set_group(struct xen_cbps_op *op)
{
    struct domain *d;
    struct cbps_domain *c;
    unsigned int i, old;
    bool resumed = op->u.group.pad2 == CBPS_GROUP_CONTINUING;
    int rc = 0;

    if ( op->u.group.pad[0] || op->u.group.pad[1] || op->u.group.pad[2] ||
         (op->u.group.pad2 && !resumed) )
        return -EINVAL;
    d = rcu_lock_domain_by_id(op->u.group.domid);
    if ( !d )
        return -ESRCH;
    if ( !is_pv_domain(d) || is_control_domain(d) ||
         is_hardware_domain(d) || d == current->domain )
    {
        rcu_unlock_domain(d);
        return -EINVAL;
    }

    if ( resumed )
        old = cbps_group(d);
    else
    {
        spin_lock(&cbps_lock);
        old = d->arch.pv.cbps_group;
        ACCESS_ONCE(d->arch.pv.cbps_group) = op->u.group.group;
        if ( old != op->u.group.group && (c = dom_cbps(d)) != NULL )
        {
            for ( i = 0; i < CBPS_OFFERS; i++ )
                c->offer[i].used = false;
            c->bl_len = 0;
        }
        spin_unlock(&cbps_lock);
        if ( old != op->u.group.group )
            printk(XENLOG_G_INFO "cbps: %pd moved from sharing group %u to "
                   "%u\n", d, old, op->u.group.group);
    }

    if ( resumed && old != op->u.group.group )
        rc = -EBUSY;            /* a later move holds: it unshares */
    else if ( resumed || cbps_share_held_elsewhere(d) )
    {
        domain_pause(d);
        rc = cbps_share_regroup(d);
        domain_unpause(d);
    }

    rcu_unlock_domain(d);
    return rc;
}

/*
 * call-rate=: a guest's calls come out of a budget topped up rate times
 * a second, at most a second's worth kept.  Every call is bounded, but
 * takes cbps's global locks; the budget bounds what one guest can make
 * the others wait.  Beyond it, -EBUSY.
 */
static bool cbps_throttle(struct domain *d)
{
    struct cbps_domain *c;
    uint64_t add;
    s_time_t now;
    bool busy = false;

    if ( !cbps_opts.call_rate || is_control_domain(d) )
        return false;

    spin_lock(&cbps_lock);
    c = dom_cbps(d);
    if ( c )
    {
        now = NOW();
        add = (uint64_t)(now - c->refill) * cbps_opts.call_rate / SECONDS(1);
        if ( add )
        {
            c->tokens = min_t(uint64_t, c->tokens + add, cbps_opts.call_rate);
            c->refill = now;
        }
        if ( c->tokens )
            c->tokens--;
        else
        {
            c->share.throttled++;
            busy = true;
        }
    }
    spin_unlock(&cbps_lock);

    return busy;
}

/* Sub-commands only the control domain may use. */
static bool control_only(uint32_t cmd)
{
    switch ( cmd )
    {
    case CBPS_OP_domain_info:
    case CBPS_OP_stats:
    case CBPS_OP_test_post:
    case CBPS_OP_census:
    case CBPS_OP_scan_info:
    case CBPS_OP_scan_set:
    case CBPS_OP_set_group:
        return true;
    default:
        return false;
    }
}

long cbps_memory_op(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct domain *currd = current->domain;
    struct xen_cbps_op op;
    bool copy_back = false;
    long rc;

    if ( !cbps_opts.enabled )
        return -EOPNOTSUPP;

    if ( copy_from_guest(&op, arg, 1) )
        return -EFAULT;

    if ( op.pad )
        rc = -EINVAL;
    else if ( control_only(op.cmd) && !is_control_domain(currd) )
        rc = -EPERM;
    else if ( op.cmd != CBPS_OP_query && cbps_throttle(currd) )
        rc = -EBUSY;
    else switch ( op.cmd )
    {
    case CBPS_OP_query:
        op.u.query.version = CBPS_INTERFACE_VERSION;
        op.u.query.flags = CBPS_QUERY_F_ENABLED |
                           (dom_cbps(currd) ? CBPS_QUERY_F_REGISTERED : 0);
        copy_back = true;
        rc = 0;
        break;

    case CBPS_OP_register:
        rc = cbps_register(currd, op.u.reg.ring_gfn);
        break;

    case CBPS_OP_unregister:
        rc = cbps_unregister(currd);
        break;

    case CBPS_OP_kick:
        rc = cbps_kick(currd);
        break;

    case CBPS_OP_domain_info:
        if ( op.u.dom.pad[0] || op.u.dom.pad[1] || op.u.dom.pad[2] )
            rc = -EINVAL;
        else
        {
            rc = cbps_domain_info(&op);
            copy_back = !rc;
        }
        break;

    case CBPS_OP_stats:
        cbps_global_stats(&op.u.stats);
        copy_back = true;
        rc = 0;
        break;

    case CBPS_OP_census:
        rc = cbps_census_op(&op);
        copy_back = !rc;
        break;

    case CBPS_OP_scan_info:
        cbps_scan_info_op(&op.u.scan);
        copy_back = true;
        rc = 0;
        break;

    case CBPS_OP_scan_set:
        rc = cbps_scan_set_op(&op.u.scan);
        break;

    case CBPS_OP_commit:
        rc = cbps_commit(currd, &op);
        break;

    case CBPS_OP_decline:
        rc = cbps_decline(currd, &op);
        break;

    case CBPS_OP_unshare_all:
        rc = cbps_share_unshare_all(currd, &op.u.unshare.left);
        copy_back = !rc;
        break;

    case CBPS_OP_share_info:
        rc = cbps_share_info_op(currd, &op);
        copy_back = !rc;
        break;

    case CBPS_OP_set_group:
        rc = cbps_set_group(&op);
        break;

    case CBPS_OP_test_post:
        if ( op.u.test.pad )
            rc = -EINVAL;
        else
            rc = cbps_test_post(op.u.test.domid, op.u.test.count);
        break;

    default:
        rc = -EINVAL;
        break;
    }

    if ( rc == -EINVAL )
    {
        spin_lock(&cbps_lock);
        bad_calls++;
        spin_unlock(&cbps_lock);
    }

    if ( copy_back && __copy_to_guest(arg, &op, 1) )
        rc = -EFAULT;

    /*
     * A long operation (a move between groups) goes on in steps; the op
     * says whether it is the first, and is as it was once it ends.
     */
    if ( op.cmd == CBPS_OP_set_group &&
         (rc == -ERESTART || op.u.group.pad2 == CBPS_GROUP_CONTINUING) )
    {
        op.u.group.pad2 = rc == -ERESTART ? CBPS_GROUP_CONTINUING : 0;
        if ( __copy_to_guest(arg, &op, 1) )
            rc = -EFAULT;
    }
    if ( rc == -ERESTART )
        rc = hypercall_create_continuation(__HYPERVISOR_memory_op, "lh",
                                           XENMEM_cbps_op, arg);
    return rc;
}

static void cf_check cbps_dump(unsigned char key)
{
    const struct domain *d;

    printk("cbps: %s, interface %u.%u, %u of %u guests registered, "
           "%"PRIu64" entries posted, %"PRIu64" bad calls\n",
           cbps_opts.enabled ? "on" : "off",
           CBPS_VERSION_MAJOR(CBPS_INTERFACE_VERSION),
           CBPS_VERSION_MINOR(CBPS_INTERFACE_VERSION),
           cbps_nr_registered, cbps_opts.max_domains, total_posted, bad_calls);

    rcu_read_lock(&domlist_read_lock);
    spin_lock(&cbps_lock);
    for_each_domain ( d )
    {
        const struct cbps_domain *c = dom_cbps(d);

        if ( !c )
            continue;
        printk("cbps: %pd ring mfn %#"PRI_mfn" prod %u cons %u posted %"PRIu64
               " pending %"PRIu64" ring_full %"PRIu64" ring_errors %"PRIu64
               " virqs %"PRIu64" kicks %"PRIu64" backlog %u offers_lost %"
               PRIu64"\n",
               d, mfn_x(page_to_mfn(c->ring_pg)), c->ring.prod,
               ACCESS_ONCE(c->ring.sring->cons), c->stats.posted, c->pending,
               c->stats.ring_full, c->stats.ring_errors, c->stats.virqs,
               c->stats.kicks, c->bl_len, c->offers_lost);
    }
    spin_unlock(&cbps_lock);
    rcu_read_unlock(&domlist_read_lock);

    cbps_scan_dump();
    cbps_share_dump();
}

static int __init cf_check cbps_init(void)
{
    BUILD_BUG_ON(sizeof(struct cbps_ring) > PAGE_SIZE);
    BUILD_BUG_ON(CBPS_RING_ENTRIES & (CBPS_RING_ENTRIES - 1));

    register_keyhandler('B', cbps_dump, "dump cbps page-sharing state", 1);

    if ( cbps_opts.enabled )
    {
        printk(XENLOG_INFO "cbps: on, interface %u.%u, max-domains %u\n",
               CBPS_VERSION_MAJOR(CBPS_INTERFACE_VERSION),
               CBPS_VERSION_MINOR(CBPS_INTERFACE_VERSION), cbps_opts.max_domains);
        printk(XENLOG_INFO "cbps: ungrouped domains %s; guest calls %u/s%s; "
               "max-held %u%s\n",
               cbps_opts.ungrouped_share ? "share with each other"
                                         : "share with nobody",
               cbps_opts.call_rate, cbps_opts.call_rate ? "" : " (no limit)",
               cbps_opts.max_held, cbps_opts.max_held ? "" : " (no limit)");
#ifdef NDEBUG
        if ( cbps_opts.test_delay )
            printk(XENLOG_WARNING "cbps: test-delay= ignored: a debug build's "
                   "option\n");
        cbps_opts.test_delay = 0;
#else
        if ( cbps_opts.test_delay )
            printk(XENLOG_WARNING "cbps: test-delay=%u: copies for another "
                   "domain wait, for the tests\n", cbps_opts.test_delay);
#endif
    }
    else
        printk(XENLOG_INFO "cbps: off (boot Xen with cbps=on to enable)\n");

    cbps_share_init();
    cbps_scan_init();
    return 0;
}
__initcall(cbps_init);
