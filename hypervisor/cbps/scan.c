/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scan.c: the idle-time scanner and the live sharing census.
 *
 * The scanner is the thesis's Page Hashing component driving Hash
 * Indexing (index.c) and Page Comparison.  How it stays out of the way:
 *
 * - It runs only from Xen's idle loop (cbps_idle_work(), beside the free
 *   page scrubber), on a CPU that has nothing else to do, one CPU at a
 *   time (a trylock).  Each call does a small chunk and stops at once when
 *   a softirq is pending, so a guest that becomes runnable waits for at
 *   most one frame's hash.
 * - A token bucket limits it to cbps_opts.rate frames hashed a second.
 *   Idle CPUs sleep, so a timer wakes one every TICK while there is work.
 *
 * What it scans: machine frames in MFN order, those owned by a domain
 * with a registered ring.  The cursor is a number, not a pointer, so
 * nothing is held between chunks; within a chunk each frame is pinned by
 * get_page() while it is read, and its owner by get_domain().
 *
 * Bounded memory (thesis §6.7): one pass over memory takes only the
 * hashes inside one interval of the hash space; a cycle of passes covers
 * the whole space and completes one census.  The index adapts the
 * interval so that it can never overflow (index.c).
 *
 * Candidates: frames with no page-table, descriptor or special role
 * (the thesis's §6.6 filters, for Xen 4.17's page types).  A frame whose
 * hash changed since the previous pass is "unstable" and waits (KSM's
 * rule), unless stable=off.  Zero frames are counted apart and, unless
 * zero=on, are not candidates.  Every frame whose hash matches one
 * already in the index is byte-compared with it: the hash only proposes.
 *
 * Locks: scan_lock (outermost, trylock from the idle loop) then
 * domlist_read_lock then cbps_lock.
 */
#include <xen/domain_page.h>
#include <xen/init.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/random.h>
#include <xen/rcupdate.h>
#include <xen/sched.h>
#include <xen/softirq.h>
#include <xen/spinlock.h>
#include <xen/time.h>
#include <xen/timer.h>
#include <xen/vmap.h>
#include <xen/xmalloc.h>
#include <asm/cbps.h>

#include "hash.h"
#include "index.h"
#include "pool.h"
#include "private.h"
#include "share.h"

#define TICK            MILLISECS(10)
#define CHUNK_FRAMES    2048    /* frames looked at per idle call */
#define CHUNK_HASHES    32      /* frames hashed per idle call */
#define INDEX_RAM_SHARE 2000    /* the index gets 1/2000 (0.05%) of RAM */
#define INDEX_MIN       (2 * CBPS_MAX_DOMAINS_LIMIT)

/* A registered domain, pinned for one chunk, and what the chunk found. */
struct snap {
    struct domain *d;
    struct cbps_census acc;
};

static DEFINE_SPINLOCK(scan_lock);
static struct {
    struct cbps_index ix;
    uint8_t *tag;               /* per MFN: hash tag of the last pass */
    unsigned long cursor;       /* next MFN */
    unsigned long start;        /* the MFN this pass started at */
    unsigned long visited;      /* frames looked at this pass */
    unsigned int pass;          /* pass within the cycle */
    s_time_t next_cycle;        /* the cycle pause ends */
    s_time_t wait_from;         /* waiting for guests' offers since */
    s_time_t waited;            /* for them this cycle */
    s_time_t total_waited;      /* for them in earlier cycles */
    s_time_t refilled;          /* token bucket */
    uint64_t tokens;
    uint64_t seed;              /* per-boot hash seed */
    uint64_t zero_hash;
    unsigned long nr_frames;    /* max_page at boot: tag[] covers these */
    bool ready;                 /* set up; else the scanner stays off */
    struct snap *snap;          /* cbps_opts.max_domains of them */
    unsigned int nsnap;
    struct cbps_census total_cur, total_last;
    struct cbps_scan_info info; /* counters; rate/interval/flags unused */
} scan;

static struct timer scan_timer;

/* Frames owned by registered domains: sizes the next cycle. */
static uint64_t registered_frames(void)
{
    const struct domain *d;
    uint64_t n = 0;

    rcu_read_lock(&domlist_read_lock);
    for_each_domain ( d )
        if ( dom_cbps(d) )
            n += domain_tot_pages(d);
    rcu_read_unlock(&domlist_read_lock);

    return n;
}

static void census_add(struct cbps_census *to, const struct cbps_census *c)
{
    to->scanned += c->scanned;
    to->zero += c->zero;
    to->unstable += c->unstable;
    to->uncompared += c->uncompared;
    to->unique += c->unique;
    to->self_dup += c->self_dup;
    to->shared += c->shared;
    to->inter_saving += c->inter_saving;
    to->pagetables += c->pagetables;
    to->other_skipped += c->other_skipped;
}

static void take_snapshot(void)
{
    struct domain *d;

    scan.nsnap = 0;
    rcu_read_lock(&domlist_read_lock);
    spin_lock(&cbps_lock);
    for_each_domain ( d )
        if ( dom_cbps(d) && scan.nsnap < cbps_opts.max_domains &&
             get_domain(d) )
        {
            memset(&scan.snap[scan.nsnap], 0, sizeof(*scan.snap));
            scan.snap[scan.nsnap++].d = d;
        }
    spin_unlock(&cbps_lock);
    rcu_read_unlock(&domlist_read_lock);
}

/* Hand the chunk's counts to the domains still registered; unpin them. */
static void drop_snapshot(void)
{
    unsigned int i;

    spin_lock(&cbps_lock);
    for ( i = 0; i < scan.nsnap; i++ )
    {
        struct cbps_domain *c = dom_cbps(scan.snap[i].d);

        if ( c )
            census_add(&c->cur, &scan.snap[i].acc);
        census_add(&scan.total_cur, &scan.snap[i].acc);
    }
    spin_unlock(&cbps_lock);

    for ( i = 0; i < scan.nsnap; i++ )
        put_domain(scan.snap[i].d);
    scan.nsnap = 0;
}

static struct snap *find_snap(const struct domain *d)
{
    unsigned int i;

    for ( i = 0; i < scan.nsnap; i++ )
        if ( scan.snap[i].d == d )
            return &scan.snap[i];
    return NULL;
}

static struct domain *snap_domain(domid_t domid)
{
    unsigned int i;

    for ( i = 0; i < scan.nsnap; i++ )
        if ( scan.snap[i].d->domain_id == domid )
            return scan.snap[i].d;
    return NULL;
}

/*
 * get_page() without its console line on failure: frames freed since the
 * index sampled them are common once frames are shared.
 */
static bool get_frame(struct page_info *pg, const struct domain *d)
{
    const struct domain *owner = page_get_owner_and_reference(pg);

    if ( owner == d )
        return true;
    if ( owner )
        put_page(pg);
    return false;
}

/* 0: a candidate; else which census counter the frame goes to. */
static uint64_t *filter(const struct page_info *pg, struct cbps_census *c)
{
    unsigned long type = pg->u.inuse.type_info;

    /* Poisoned or going offline: reading it would be a machine check. */
    if ( is_special_page(pg) || (pg->count_info & PGC_broken) ||
         !page_state_is(pg, inuse) )
        return &c->other_skipped;
    switch ( type & PGT_type_mask )
    {
    case PGT_l1_page_table: case PGT_l2_page_table:
    case PGT_l3_page_table: case PGT_l4_page_table:
        return &c->pagetables;
    case PGT_none: case PGT_writable_page:
        return (type & PGT_pinned) ? &c->other_skipped : NULL;
    default: /* descriptor tables, mem_sharing pages */
        return &c->other_skipped;
    }
}

enum cmp { CMP_IDENTICAL, CMP_COLLISION, CMP_CHANGED };

/*
 * Byte-compare a frame (mapped at va, hash h) with the index's sample of
 * the same hash.  A sample that no longer hashes to h changed since it
 * was hashed; one of the frame's own domain is then replaced by this one.
 */
static enum cmp compare(struct cbps_index_entry *e, const void *va,
                        uint64_t h, const struct domain *owner,
                        unsigned long mfn)
{
    struct domain *ed = snap_domain(e->domid);
    struct page_info *pg;
    const void *eva;
    enum cmp r;

    if ( !ed || !mfn_valid(_mfn(e->mfn)) )
        return CMP_CHANGED;
    pg = mfn_to_page(_mfn(e->mfn));
    if ( !get_frame(pg, ed) )
        return CMP_CHANGED;
    if ( (pg->count_info & PGC_broken) || !page_state_is(pg, inuse) )
    {
        put_page(pg);
        return CMP_CHANGED;
    }

    eva = __map_domain_page(pg);
    if ( !memcmp(eva, va, PAGE_SIZE) )
        r = CMP_IDENTICAL;
    else if ( cbps_hash_page(eva, scan.seed) != h )
    {
        r = CMP_CHANGED;
        if ( ed == owner )
            e->mfn = mfn;
    }
    else
        r = CMP_COLLISION;
    unmap_domain_page(eva);
    put_page(pg);

    return r;
}

/*
 * Sharing (issue 5: at any pfn).  d's frame mfn, hashed h, is offered the
 * shared frame with its contents if there is one that d does not hold
 * yet; else, when the index's identical sample belongs to another domain,
 * that domain is offered to make its frame a new shared frame, and d gets
 * its offer once it has.  Twins inside one domain are not shared: a
 * domain sees one pfn for each shared frame (pool.c).  Only domains of
 * one sharing group share (issue 8): the twin is of d's group, and so
 * is the shared frame.
 */
static void propose(struct domain *d, unsigned long mfn, const void *va,
                    uint64_t h, const struct cbps_index_entry *twin)
{
    struct domain *td;
    mfn_t s;

    if ( !cbps_may_share(d) || !VALID_M2P(get_gpfn_from_mfn(mfn)) )
        return;

    s = cbps_share_lookup(h, va, d);
    if ( !mfn_eq(s, INVALID_MFN) )
    {
        cbps_offer(d, _mfn(mfn), s, DOMID_INVALID, INVALID_MFN);
        return;
    }

    /* A new shared frame needs a free frame of the pool. */
    if ( twin && twin->domid != d->domain_id && cbps_pool_free_frames() &&
         (td = snap_domain(twin->domid)) != NULL && cbps_same_group(d, td) &&
         VALID_M2P(get_gpfn_from_mfn(twin->mfn)) )
        cbps_offer(td, _mfn(twin->mfn), _mfn(twin->mfn), d->domain_id,
                   _mfn(mfn));
}

uint64_t cbps_scan_hash(const void *va)
{
    return cbps_hash_page(va, scan.seed);
}

uint64_t cbps_scan_cycle(void)
{
    return ACCESS_ONCE(scan.info.cycles);
}

/*
 * The index keeps one sample a (content, domain), and the first one found
 * may be of another sharing group: look for one of d's group, comparing
 * bytes again.  Costs compares only where groups keep equal pages apart.
 */
static bool group_twin(struct cbps_index_entry *e, const void *va,
                       uint64_t h, const struct domain *d, unsigned long mfn,
                       struct cbps_index_entry *twin)
{
    const struct domain *ed;

    while ( (e = cbps_index_find_next(&scan.ix, e)) != NULL )
    {
        if ( e->domid == d->domain_id ||
             (ed = snap_domain(e->domid)) == NULL || !cbps_same_group(d, ed) )
            continue;
        if ( compare(e, va, h, d, mfn) == CMP_IDENTICAL )
        {
            *twin = *e;
            return true;
        }
    }
    return false;
}

/* Hash one frame of s->d and count it.  Returns false if not hashed. */
static bool scan_frame(unsigned long mfn, struct snap *s)
{
    struct page_info *pg = mfn_to_page(_mfn(mfn));
    struct cbps_census *c = &s->acc;
    enum cbps_index_kind kind = CBPS_IK_CONTENT;
    struct cbps_index_entry *e, twin = { .domid = DOMID_INVALID };
    uint64_t *skip, h;
    const void *va;
    uint8_t tag, old;

    if ( !get_frame(pg, s->d) )
        return false;
    skip = filter(pg, c);
    if ( skip )
    {
        /* Counted once a cycle, in its first pass. */
        if ( !scan.pass )
            (*skip)++;
        put_page(pg);
        return false;
    }

    va = __map_domain_page(pg);
    h = cbps_hash_page(va, scan.seed);
    scan.info.hashed++;

    /* Tag 0 means "never hashed", so a new frame is never stable. */
    tag = (h >> 56) | 1;
    old = scan.tag[mfn];
    scan.tag[mfn] = tag;

    if ( !cbps_index_covers(&scan.ix, h) )
        goto out;

    /*
     * Every frame of the pass goes into the index, candidates or not, so
     * that all counts come from the entries that survive the pass.
     */
    if ( !cbps_opts.zero && h == scan.zero_hash && cbps_page_is_zero(va) )
        kind = CBPS_IK_ZERO;
    else if ( cbps_opts.stable && old != tag )
        kind = CBPS_IK_UNSTABLE;
    else if ( (e = cbps_index_find(&scan.ix, h)) != NULL )
    {
        switch ( compare(e, va, h, s->d, mfn) )
        {
        case CMP_IDENTICAL:
            scan.info.identical++;
            twin = *e;
            if ( cbps_opts.share && twin.domid != s->d->domain_id &&
                 cbps_may_share(s->d) &&
                 (!snap_domain(twin.domid) ||
                  !cbps_same_group(s->d, snap_domain(twin.domid))) &&
                 !group_twin(e, va, h, s->d, mfn, &twin) )
                twin.domid = DOMID_INVALID;
            break;
        case CMP_COLLISION:
            scan.info.collisions++;
            kind = CBPS_IK_UNCOMPARED;
            break;
        case CMP_CHANGED:
            scan.info.changed++;
            kind = CBPS_IK_UNCOMPARED;
            break;
        }
    }
    /* Refused only if the interval shrank below h: a later pass takes it. */
    cbps_index_add(&scan.ix, h, s->d->domain_id, kind, mfn);

    if ( (kind == CBPS_IK_CONTENT || kind == CBPS_IK_UNCOMPARED) &&
         cbps_opts.share )
        propose(s->d, mfn, va, h,
                twin.domid != DOMID_INVALID ? &twin : NULL);

 out:
    unmap_domain_page(va);
    put_page(pg);
    return true;
}

/* Count one index entry into its domain's census and the total. */
static void count_entry(struct cbps_census *c, const struct cbps_index_entry *e,
                        unsigned int ndoms)
{
    c->scanned += e->count;
    switch ( e->kind )
    {
    case CBPS_IK_ZERO:
        c->zero += e->count;
        break;
    case CBPS_IK_UNSTABLE:
        c->unstable += e->count;
        break;
    case CBPS_IK_UNCOMPARED:
        c->uncompared += e->count;
        break;
    default:
        c->self_dup += e->count - 1;
        if ( ndoms > 1 )
            c->shared++;
        else
            c->unique++;
        break;
    }
}

static void census_fn(void *arg, struct cbps_index_entry *e,
                      unsigned int ndoms, unsigned int nth)
{
    struct domain *d = rcu_lock_domain_by_id(e->domid);
    struct cbps_domain *c = d ? dom_cbps(d) : NULL;

    count_entry(&scan.total_cur, e, ndoms);
    if ( nth )
        scan.total_cur.inter_saving++;
    if ( c )
        count_entry(&c->cur, e, ndoms);
    if ( d )
        rcu_unlock_domain(d);
}

/*
 * Each pass starts somewhere else (by the golden ratio, so starts spread
 * evenly), so that no guest is always the last one scanned.
 */
static void next_start(void)
{
    unsigned long step = scan.nr_frames / 1618 * 1000 ?: 1;   /* ~0.618 */

    scan.start = (scan.start + step) % scan.nr_frames;
    scan.cursor = scan.start;
    scan.visited = 0;
}

/* The pass has looked at every frame: count it, maybe the cycle. */
static void end_pass(void)
{
    const struct domain *d;
    bool cycle_done;

    spin_lock(&cbps_lock);
    cbps_index_walk(&scan.ix, census_fn, NULL);
    spin_unlock(&cbps_lock);

    scan.info.passes++;
    scan.info.splits = scan.ix.splits;
    next_start();
    scan.pass++;
    cycle_done = !cbps_index_next_pass(&scan.ix);
    if ( !cycle_done )
        return;

    scan.info.cycles++;
    rcu_read_lock(&domlist_read_lock);
    spin_lock(&cbps_lock);
    for_each_domain ( d )
    {
        struct cbps_domain *c = dom_cbps(d);

        if ( !c )
            continue;
        c->last = c->cur;
        c->last.cycle = scan.info.cycles;
        memset(&c->cur, 0, sizeof(c->cur));
    }
    scan.total_last = scan.total_cur;
    scan.total_last.cycle = scan.info.cycles;
    memset(&scan.total_cur, 0, sizeof(scan.total_cur));
    spin_unlock(&cbps_lock);
    rcu_read_unlock(&domlist_read_lock);

    scan.pass = 0;
    scan.total_waited += scan.waited;
    scan.waited = 0;
    scan.next_cycle = NOW() + MILLISECS(cbps_opts.interval);
    cbps_offers_expire(scan.info.cycles);
    cbps_index_start_cycle(&scan.ix, registered_frames());
}

/* Throw away a cycle under way (its settings changed). */
static void restart_cycle(void)
{
    const struct domain *d;

    rcu_read_lock(&domlist_read_lock);
    spin_lock(&cbps_lock);
    for_each_domain ( d )
        if ( dom_cbps(d) )
            memset(&dom_cbps(d)->cur, 0, sizeof(dom_cbps(d)->cur));
    memset(&scan.total_cur, 0, sizeof(scan.total_cur));
    spin_unlock(&cbps_lock);
    rcu_read_unlock(&domlist_read_lock);

    next_start();
    scan.pass = 0;
    cbps_index_start_cycle(&scan.ix, registered_frames());
}

static void refill(s_time_t now)
{
    uint64_t burst = cbps_opts.rate / 10 + CHUNK_HASHES;

    if ( now > scan.refilled )
        scan.tokens += (uint64_t)cbps_opts.rate * (now - scan.refilled) /
                       SECONDS(1);
    if ( scan.tokens > burst )
        scan.tokens = burst;
    scan.refilled = now;
}

bool cbps_idle_work(void)
{
    unsigned int cpu = smp_processor_id(), frames = 0, hashes = 0;
    bool pass_done = false;
    s_time_t start;

    if ( !scan.ready || !cbps_opts.rate ||
         !ACCESS_ONCE(cbps_nr_registered) || !spin_trylock(&scan_lock) )
        return false;

    start = NOW();
    refill(start);
    if ( start < scan.next_cycle || !scan.tokens )
    {
        spin_unlock(&scan_lock);
        return false;
    }

    /*
     * Let the guests take the offers made so far, within a budget: the
     * time from each call that decided to wait to the next call.
     */
    if ( scan.wait_from )
    {
        scan.waited += start - scan.wait_from;
        scan.wait_from = 0;
    }
    if ( scan.waited < CBPS_WAIT_MAX && cbps_offers_backlogged() )
    {
        scan.wait_from = start;
        spin_unlock(&scan_lock);
        return false;
    }

    take_snapshot();
    while ( frames < CHUNK_FRAMES && hashes < CHUNK_HASHES &&
            hashes < scan.tokens && !softirq_pending(cpu) )
    {
        unsigned long mfn = scan.cursor;
        const struct page_info *pg;
        struct snap *s;

        if ( scan.visited == scan.nr_frames )
        {
            pass_done = true;
            break;
        }
        scan.visited++;
        if ( ++scan.cursor == scan.nr_frames )
            scan.cursor = 0;
        frames++;
        if ( !mfn_valid(_mfn(mfn)) )
            continue;
        pg = mfn_to_page(_mfn(mfn));
        /* A free frame's owner field means nothing (and frees are many
         * once frames are shared). */
        if ( !page_state_is(pg, inuse) )
            continue;
        s = find_snap(page_get_owner(pg));
        if ( s && scan_frame(mfn, s) )
            hashes++;
    }
    drop_snapshot();
    if ( pass_done )
        end_pass();

    scan.tokens -= min_t(uint64_t, scan.tokens, hashes);
    scan.info.scan_ns += NOW() - start;
    spin_unlock(&scan_lock);

    return true;
}

static void cf_check scan_timer_fn(void *unused)
{
    /* Waking the CPU is the point: its idle loop then scans. */
    if ( cbps_opts.rate && ACCESS_ONCE(cbps_nr_registered) )
        set_timer(&scan_timer, NOW() + TICK);
}

void cbps_scan_wake(void)
{
    if ( cbps_opts.enabled && cbps_opts.rate )
        set_timer(&scan_timer, NOW() + TICK);
}

int cbps_census_op(struct xen_cbps_op *op)
{
    struct domain *d;
    int rc = 0;

    if ( op->u.census.pad[0] || op->u.census.pad[1] || op->u.census.pad[2] )
        return -EINVAL;

    if ( op->u.census.domid == CBPS_CENSUS_TOTAL )
    {
        spin_lock(&cbps_lock);
        op->u.census.census = scan.total_last;
        spin_unlock(&cbps_lock);
        return 0;
    }

    d = rcu_lock_domain_by_id(op->u.census.domid);
    if ( !d )
        return -ESRCH;
    spin_lock(&cbps_lock);
    if ( dom_cbps(d) )
        op->u.census.census = dom_cbps(d)->last;
    else
        rc = -ENOENT;
    spin_unlock(&cbps_lock);
    rcu_unlock_domain(d);

    return rc;
}

void cbps_scan_info_op(struct cbps_scan_info *info)
{
    spin_lock(&scan_lock);
    *info = scan.info;
    info->rate = cbps_opts.rate;
    info->interval_ms = cbps_opts.interval;
    info->flags = (cbps_opts.zero ? CBPS_SCAN_F_ZERO : 0) |
                  (cbps_opts.stable ? CBPS_SCAN_F_STABLE : 0);
    spin_unlock(&scan_lock);
}

int cbps_scan_set_op(const struct cbps_scan_info *set)
{
    bool zero = set->flags & CBPS_SCAN_F_ZERO;
    bool stable = set->flags & CBPS_SCAN_F_STABLE;

    if ( !scan.ready )
        return -ENODEV;
    if ( set->rate > CBPS_RATE_LIMIT || set->interval_ms > CBPS_INTERVAL_LIMIT ||
         (set->flags & ~(CBPS_SCAN_F_ZERO | CBPS_SCAN_F_STABLE)) )
        return -EINVAL;

    spin_lock(&scan_lock);
    cbps_opts.rate = set->rate;
    cbps_opts.interval = set->interval_ms;
    /* Changed rules make the cycle under way meaningless. */
    if ( zero != cbps_opts.zero || stable != cbps_opts.stable )
    {
        cbps_opts.zero = zero;
        cbps_opts.stable = stable;
        restart_cycle();
    }
    scan.next_cycle = 0;
    spin_unlock(&scan_lock);

    cbps_scan_wake();
    return 0;
}

void cbps_scan_dump(void)
{
    const struct cbps_census *t = &scan.total_last;

    printk("cbps: scan rate %u/s interval %ums%s%s, cycle %"PRIu64
           " pass %u, interval [%#"PRIx64", %#"PRIx64"], cursor %#lx\n",
           cbps_opts.rate, cbps_opts.interval,
           cbps_opts.zero ? " zero" : "", cbps_opts.stable ? " stable" : "",
           scan.info.cycles, scan.pass, scan.ix.lo, scan.ix.hi, scan.cursor);
    printk("cbps: waited for guests' offers %"PRIu64"ms this cycle, %"
           PRIu64"ms before\n", scan.waited / MILLISECS(1),
           scan.total_waited / MILLISECS(1));
    printk("cbps: census %"PRIu64": scanned %"PRIu64" zero %"PRIu64
           " unstable %"PRIu64" unique %"PRIu64" self_dup %"PRIu64
           " shared %"PRIu64" inter_saving %"PRIu64"\n",
           t->cycle, t->scanned, t->zero, t->unstable, t->unique,
           t->self_dup, t->shared, t->inter_saving);
}

int __init cbps_scan_init(void)
{
    uint64_t bytes = ((uint64_t)total_pages << PAGE_SHIFT) / INDEX_RAM_SHARE;
    uint32_t cap = max_t(uint32_t, cbps_index_cap_for(bytes), INDEX_MIN);
    void *mem;

    init_timer(&scan_timer, scan_timer_fn, NULL, 0);
    if ( !cbps_opts.enabled )
        return 0;

    /* Memory hot-added later is past tag[]: the scanner leaves it out. */
    scan.nr_frames = max_page;
    mem = vzalloc(cbps_index_bytes(cap));
    scan.tag = vzalloc(scan.nr_frames);
    scan.snap = xzalloc_array(struct snap, cbps_opts.max_domains);
    if ( !mem || !scan.tag || !scan.snap )
    {
        vfree(mem);
        vfree(scan.tag);
        xfree(scan.snap);
        scan.tag = NULL;
        scan.snap = NULL;
        printk(XENLOG_ERR "cbps: no memory for the scanner: scanning off\n");
        cbps_opts.rate = 0;
        return -ENOMEM;
    }

    cbps_index_init(&scan.ix, mem, cap);
    cbps_index_start_cycle(&scan.ix, 0);
    scan.seed = ((uint64_t)get_random() << 32) | get_random();
    scan.zero_hash = cbps_hash_page(zero_page, scan.seed);
    scan.info.index_entries = cap;
    scan.info.index_bytes = cbps_index_bytes(cap);
    scan.info.tag_bytes = scan.nr_frames;
    scan.ready = true;

    printk(XENLOG_INFO "cbps: scan rate %u frames/s, content index %u "
           "entries (%"PRIu64" KiB, RAM/%u), volatility tags %lu KiB\n",
           cbps_opts.rate, cap, scan.info.index_bytes >> 10, INDEX_RAM_SHARE,
           scan.nr_frames >> 10);
    return 0;
}
