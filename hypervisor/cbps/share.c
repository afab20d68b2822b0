/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * share.c: frames shared between PV guests, and every way a guest gets
 * its own copy back.  The records of who holds what, and the rules for
 * joining and leaving a share, are refs.c's (the thesis's Reference
 * Manager); here is the page, entry and p2m work around them.
 *
 * Ownership.  A shared frame S belongs to the share domain (a system
 * domain with DOMID_COW's id; dom_cow itself exists only with
 * CONFIG_MEM_SHARING).  get_page_from_l1e() lets nobody map a frame of
 * another owner, so the only mappings of S are the kernel entries that
 * cbps itself switched to S at commit, read-only.  cbps also holds a
 * PGT_shared_page type reference on S for as long as it is shared, so that no
 * path of Xen's can ever take a writable (or page-table) type on it.
 *
 * Which frames (issue 5): any pfn.  S comes from cbps's pool (pool.c),
 * whose M2P entries each domain sees in its own view: a holder's view
 * names its pfn for S, at most one pfn a domain.  The guest names the L1
 * entries that map its frame (direct map, kernel high map); Xen refuses
 * the commit unless those are all of the frame's references, so a frame
 * mapped anywhere else is never shared.  The first holder's frame is
 * copied into a pool frame; later holders' frames are compared with it.
 *
 * Unshare is never a refusal (DESIGN-NOTES §5).  A write fault on S, or
 * any new install of S by a holder (mmu_update, update_va_mapping, ptwr),
 * gives the holder a copy first: Xen allocates N, copies, points the
 * holder's committed entries and its p2m entry at N with their original
 * flags, and rewrites the entry being installed to N.  The last holder
 * copies too, and S goes back to the pool.  No free frame: the domain is
 * paused, dom0 is told, and a timer unpauses it when memory is back.
 *
 * Locks: share_lock covers the records (refs.c) and the tables here.  It
 * is never held while taking a page lock (Xen allows one page lock at a
 * time, and the hooks run before theirs), nor with cbps_lock.
 */
#include <xen/delay.h>
#include <xen/domain_page.h>
#include <xen/err.h>
#include <xen/event.h>
#include <xen/iommu.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/percpu.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/timer.h>
#include <xen/xmalloc.h>
#include <asm/cbps.h>
#include <asm/flushtlb.h>
#include <asm/mm.h>
#include <asm/p2m.h>
#include <asm/paging.h>
#include <asm/page.h>

#include "../pv/mm.h"
#include "hash.h"
#include "pool.h"
#include "private.h"
#include "refs.h"
#include "share.h"

#define MEMO            64      /* recent copies, to redirect stale installs */
#define UNSHARE_BATCH   64
#define RELEASE_BATCH   512     /* holds a dying domain drops per step */
#define ENOMEM_TICK     MILLISECS(100)
#define ENOMEM_SLACK    64      /* free frames wanted before unpausing */
#define MAX_PAUSED      64

#define AD_FLAGS        (_PAGE_ACCESSED | _PAGE_DIRTY)

static DEFINE_SPINLOCK(share_lock);
static struct domain *dom_share;
static uint64_t cow_breaks, takebacks, enomems;

/* Recent copies: an install that raced an unshare still names S. */
static struct {
    domid_t domid;
    mfn_t s, n;
} memo[MEMO];
static unsigned int memo_next;

static domid_t paused[MAX_PAUSED];
static unsigned int nr_paused;
static struct timer enomem_timer;

/* ptwr cannot unshare under its page lock: it leaves the frame here. */
static DEFINE_PER_CPU(unsigned long, deferred);

/*
 * Xen's own access retried while another context copies the same frame
 * for the domain (a bounded copy that never waits): at most this often.
 */
#define XEN_RETRIES     1000
static DEFINE_PER_CPU(unsigned int, xen_retries);

/* Page locks this CPU holds (mm.c counts them, debug build or not). */
DEFINE_PER_CPU(unsigned int, cbps_page_locks);

#ifndef NDEBUG
/*
 * Debug builds: recent events (C convert, J join, U copy out,
 * R balloon release, D teardown release, F free, M stale name redirected,
 * O grant or foreign mapping, W entry rewritten in an unpinned table),
 * to explain a bad entry found by audit() or a bad count at free.
 */
#define TRACE_LEN 8192
static struct {
    char what;
    domid_t domid;
    unsigned long a, b;
} trace[TRACE_LEN];
static unsigned int trace_next;

static void ev(char what, const struct domain *d, mfn_t a, mfn_t b)
{
    unsigned int i = arch_fetch_and_add(&trace_next, 1) % TRACE_LEN;

    trace[i].what = what;
    trace[i].domid = d->domain_id;
    trace[i].a = mfn_x(a);
    trace[i].b = mfn_x(b);
}

static void ev_print(unsigned long mfn)
{
    unsigned int i;

    for ( i = 0; i < TRACE_LEN; i++ )
        if ( trace[i].what && (trace[i].a == mfn || trace[i].b == mfn) )
            printk("cbps:   #%u %c d%u %#lx %#lx\n", i, trace[i].what,
                   trace[i].domid, trace[i].a, trace[i].b);
}

/*
 * At teardown, every present entry of d's validated L1s must map a frame
 * with references, and a writable one d's own writable page: what cbps
 * switched behind the guest must have kept Xen's counts right.
 */
static void audit(struct domain *d, const char *when)
{
    struct page_info *pg;
    unsigned int i, bad = 0;

    spin_lock(&d->page_alloc_lock);
    page_list_for_each ( pg, &d->page_list )
    {
        const l1_pgentry_t *l1;

        if ( (pg->u.inuse.type_info & (PGT_type_mask | PGT_validated)) !=
             (PGT_l1_page_table | PGT_validated) )
            continue;
        l1 = __map_domain_page(pg);
        for ( i = 0; i < L1_PAGETABLE_ENTRIES; i++ )
        {
            mfn_t m = l1e_get_mfn(l1[i]);
            const struct page_info *t;

            if ( !(l1e_get_flags(l1[i]) & _PAGE_PRESENT) || !mfn_valid(m) )
                continue;
            t = mfn_to_page(m);
            /* RW: d's own page, of writable type with a count. */
            if ( (t->count_info & PGC_count_mask) &&
                 (!(l1e_get_flags(l1[i]) & _PAGE_RW) ||
                  (page_get_owner(t) == d &&
                   (t->u.inuse.type_info & PGT_type_mask) ==
                   PGT_writable_page &&
                   (t->u.inuse.type_info & PGT_count_mask))) )
                continue;
            if ( bad++ < 8 )
            {
                printk("cbps: %s %pd: L1 %"PRI_mfn"[%u] = %"PRIpte
                       " caf %#lx taf %#lx owner %pd\n", when, d,
                       mfn_x(page_to_mfn(pg)), i, l1e_get_intpte(l1[i]),
                       t->count_info, t->u.inuse.type_info,
                       page_get_owner(t));
                ev_print(mfn_x(m));
            }
        }
        unmap_domain_page(l1);
    }
    spin_unlock(&d->page_alloc_lock);
    if ( bad )
        printk("cbps: %s %pd: %u bad entries\n", when, d, bad);
    WARN_ON(bad);               /* the VM tests count this as a failure */
}
#else
#define ev(what, d, a, b) ((void)0)
#define ev_print(mfn) ((void)0)
#define audit(d, when) ((void)0)
#endif

unsigned long cbps_share_held(const struct domain *d)
{
    return cbps_refs_held(d);
}

static bool is_share_frame(mfn_t m)
{
    const struct page_info *pg;

    if ( !mfn_valid(m) )
        return false;
    pg = mfn_to_page(m);
    /* A free page's owner field holds something else. */
    return page_state_is(pg, inuse) && page_get_owner(pg) == dom_share;
}

static bool holds(const struct domain *d, mfn_t s)
{
    const struct share *sh;
    bool r;

    spin_lock(&share_lock);
    sh = cbps_refs_find(s);
    r = sh && cbps_refs_holder(sh, d);
    spin_unlock(&share_lock);
    return r;
}

/*
 * A frame that becomes shared again starts with no redirections (d:
 * only d's, as d joins it; NULL: everyone's, as a pool frame is reused).
 * Caller holds share_lock.
 */
static void memo_forget(const struct domain *d, mfn_t s)
{
    unsigned int i;

    for ( i = 0; i < MEMO; i++ )
        if ( mfn_eq(memo[i].s, s) && (!d || memo[i].domid == d->domain_id) )
            memo[i].domid = DOMID_INVALID;
}

/* d's copy of s is n now: the one redirection of (d, s). */
static void memo_put(const struct domain *d, mfn_t s, mfn_t n)
{
    memo_forget(d, s);
    memo[memo_next].domid = d->domain_id;
    memo[memo_next].s = s;
    memo[memo_next].n = n;
    memo_next = (memo_next + 1) % MEMO;
}

static void memo_forget_domain(const struct domain *d)
{
    unsigned int i;

    for ( i = 0; i < MEMO; i++ )
        if ( memo[i].domid == d->domain_id )
            memo[i].domid = DOMID_INVALID;
}

static bool memo_find(const struct domain *d, mfn_t s, mfn_t *n)
{
    unsigned int i;
    bool found = false;

    spin_lock(&share_lock);
    for ( i = 0; i < MEMO; i++ )
        if ( memo[i].domid == d->domain_id && mfn_eq(memo[i].s, s) )
        {
            *n = memo[i].n;
            found = true;
            ev('M', d, s, *n);
        }
    spin_unlock(&share_lock);

    return found;
}


/* Bump one of d's counters, if d is registered. */
#define COUNT(d, field) do {                            \
    struct cbps_domain *c_;                             \
    spin_lock(&cbps_lock);                              \
    if ( (c_ = dom_cbps(d)) != NULL )                   \
        c_->share.field++;                              \
    spin_unlock(&cbps_lock);                            \
} while ( 0 )

/* Why commits are refused (refs.h): counted, and the first few printed. */
static const char *const refusal_name[R_NR] = {
    [R_OFFER] = "not offered", [R_GONE] = "frame gone",
    [R_PTE] = "entry", [R_P2M] = "p2m entry", [R_REFS] = "other references",
    [R_DIFF] = "contents differ", [R_SHARE] = "share closed",
    [R_NOMEM] = "no memory", [R_PAUSE] = "pause", [R_POOL] = "pool full",
    [R_PAGING] = "shadow mode", [R_GROUP] = "sharing group",
    [R_CAP] = "max-held", [R_IOMMU] = "passthrough",
    [R_BUILDING] = "share not complete", [R_DRAIN] = "unsharing all",
};
static unsigned long refusals[R_NR];

static int refuse(const struct domain *d, enum cbps_refusal why, int rc,
                  mfn_t m, paddr_t ma, unsigned long detail)
{
    static unsigned int printed[R_NR];

    refusals[why]++;
    if ( printed[why] < 4 )
    {
        printed[why]++;
        printk(XENLOG_G_INFO "cbps: %pd commit of %"PRI_mfn" refused (%d): "
               "%s at %#"PRIpaddr" (%#lx)\n", d, mfn_x(m), rc,
               refusal_name[why], ma, detail);
    }
    return rc;
}

/*
 * Replace the entry at p by new if it is still old, the hardware's A/D
 * bits aside (they are kept).  0, or -EBUSY when the entry changed.
 */
static int entry_swap(intpte_t *p, intpte_t old, intpte_t new)
{
    intpte_t cur;

    do {
        cur = ACCESS_ONCE(*p);
        if ( (cur & ~(intpte_t)AD_FLAGS) != (old & ~(intpte_t)AD_FLAGS) )
            return -EBUSY;
    } while ( cmpxchg(p, cur, (new & ~(intpte_t)AD_FLAGS) |
                              (cur & AD_FLAGS)) != cur );
    return 0;
}

/*
 * Replace d's L1 entry at ma by new if it still maps old's frame with
 * old's flags (the hardware's A/D bits aside, which are kept).  The
 * caller moves the references.  0, -EBUSY when the entry changed, or
 * -EINVAL when ma is not an entry of one of d's L1 tables.
 */
static int pte_replace(struct domain *d, paddr_t ma, intpte_t old,
                       intpte_t new)
{
    struct page_info *pg;
    intpte_t *p;
    int rc = 0;

    if ( (ma & (sizeof(intpte_t) - 1)) || !mfn_valid(maddr_to_mfn(ma)) )
        return -EINVAL;
    pg = mfn_to_page(maddr_to_mfn(ma));
    if ( !get_page(pg, d) )
        return -EINVAL;
    if ( !page_lock(pg) )
    {
        put_page(pg);
        return -EINVAL;
    }

    if ( (pg->u.inuse.type_info & PGT_type_mask) != PGT_l1_page_table )
        rc = -EINVAL;
    else
    {
        p = map_domain_page(maddr_to_mfn(ma)) + (ma & ~PAGE_MASK);
        rc = entry_swap(p, old, new);
        unmap_domain_page(p);
    }

    page_unlock(pg);
    put_page(pg);
    return rc;
}

/*
 * The same, for an entry whose table d has unpinned since it committed:
 * Linux's exit_mmap() unpins a process's tables before it zaps them, and
 * reads each entry as it goes.  Such an entry holds no reference, but
 * left at S after d's copy-out, Linux would read it as no page of its
 * own.  A writable type reference keeps the page from becoming a page
 * table while the entry is replaced (a pin would take references on
 * whatever it read).  A page that is no table any more holds that
 * value only as a copy of one.
 */
static void pte_replace_unpinned(struct domain *d, paddr_t ma, intpte_t old,
                                 intpte_t new)
{
    struct page_info *pg;
    intpte_t *p;
    unsigned long t;

    if ( (ma & (sizeof(intpte_t) - 1)) || !mfn_valid(maddr_to_mfn(ma)) )
        return;
    pg = mfn_to_page(maddr_to_mfn(ma));
    /* A table again (of any level, or being validated): not ours. */
    t = ACCESS_ONCE(pg->u.inuse.type_info);
    if ( (t & PGT_count_mask) &&
         (t & PGT_type_mask) != PGT_writable_page )
        return;
    if ( !get_page_and_type(pg, d, PGT_writable_page) )
        return;
    p = map_domain_page(maddr_to_mfn(ma)) + (ma & ~PAGE_MASK);
    entry_swap(p, old, new);
    unmap_domain_page(p);
    put_page_and_type(pg);
    ev('W', d, l1e_get_mfn(l1e_from_intpte(old)),
       l1e_get_mfn(l1e_from_intpte(new)));
}

/*
 * Read d's L1 entry at ma; false when ma is not one.  The table must be
 * validated and in use: only then does each present entry hold exactly
 * one reference on its frame, which the commit's count check relies on.
 */
static bool pte_read(struct domain *d, paddr_t ma, intpte_t *val)
{
    struct page_info *pg;
    const intpte_t *p;
    unsigned long t;
    bool ok;

    if ( (ma & (sizeof(intpte_t) - 1)) || !mfn_valid(maddr_to_mfn(ma)) )
        return false;
    pg = mfn_to_page(maddr_to_mfn(ma));
    if ( !get_page(pg, d) )
        return false;
    t = pg->u.inuse.type_info;
    ok = (t & (PGT_type_mask | PGT_validated)) ==
         (PGT_l1_page_table | PGT_validated) && (t & PGT_count_mask);
    if ( ok )
    {
        p = map_domain_page(maddr_to_mfn(ma)) + (ma & ~PAGE_MASK);
        *val = ACCESS_ONCE(*p);
        unmap_domain_page(p);
    }
    put_page(pg);
    return ok;
}

static intpte_t pte_with(intpte_t e, mfn_t m, bool rw)
{
    l1_pgentry_t l1e = l1e_from_intpte(e);
    unsigned int f = l1e_get_flags(l1e) & ~_PAGE_RW;

    return l1e_get_intpte(l1e_from_mfn(m, f | (rw ? _PAGE_RW : 0)));
}

static bool pte_rw(intpte_t e)
{
    return l1e_get_flags(l1e_from_intpte(e)) & _PAGE_RW;
}

static bool pte_maps(intpte_t e, mfn_t m)
{
    l1_pgentry_t l1e = l1e_from_intpte(e);

    return (l1e_get_flags(l1e) & _PAGE_PRESENT) &&
           mfn_eq(l1e_get_mfn(l1e), m);
}

/*
 * d's p2m entry for a pfn, at machine address ma: a word of one of d's
 * ordinary pages.  Replace old by new there (Linux reads it lock-free:
 * an aligned 8-byte store is atomic).  p2m_generation is not bumped: as
 * in Linux, it says the p2m's layout changed, and a live migration
 * aborts on it; the toolstack reads entries through its live mapping.
 */
static int p2m_replace(struct domain *d, paddr_t ma, mfn_t old, mfn_t new,
                       bool check_only)
{
    struct page_info *pg;
    uint64_t *p;
    int rc = 0;

    if ( (ma & 7) || !mfn_valid(maddr_to_mfn(ma)) )
        return -EINVAL;
    pg = mfn_to_page(maddr_to_mfn(ma));
    if ( !get_page_and_type(pg, d, PGT_writable_page) )
        return -EINVAL;

    p = map_domain_page(maddr_to_mfn(ma)) + (ma & ~PAGE_MASK);
    if ( check_only )
        rc = ACCESS_ONCE(*p) == mfn_x(old) ? 0 : -EINVAL;
    else if ( cmpxchg(p, mfn_x(old), mfn_x(new)) != mfn_x(old) )
        rc = -EBUSY;
    unmap_domain_page(p);

    put_page_and_type(pg);
    return rc;
}

/*
 * We change a guest's live kernel mappings behind its back: drop its TLB
 * entries everywhere, global ones too (PV kernels map themselves global
 * when Xen lets them), or it would go on writing the old frame.
 */
static void flush_guest_tlbs(const struct domain *d)
{
    flush_mask(d->dirty_cpumask, FLUSH_TLB_GLOBAL);
}

/* A pool frame for a new share: the share domain's, typed shared. */
static struct page_info *share_frame_alloc(void)
{
    struct page_info *pg = cbps_pool_alloc();

    if ( !pg )
        return NULL;
    spin_lock(&dom_share->page_alloc_lock);
    page_set_owner(pg, dom_share);
    pg->count_info = PGC_allocated | 1;
    page_list_add_tail(pg, &dom_share->page_list);
    if ( domain_adjust_tot_pages(dom_share, 1) == 1 )
        get_knownalive_domain(dom_share);
    spin_unlock(&dom_share->page_alloc_lock);

    /* No path of Xen's can take a writable or page-table type on it now. */
    if ( !get_page_type(pg, PGT_shared_page) )
        BUG();
    return pg;
}

/* The share has no holder left: S goes back to the pool, scrubbed. */
static void free_share(struct share *sh)
{
    struct page_info *pg = mfn_to_page(sh->mfn);

    ASSERT(!sh->nr_holders);
    ev('F', dom_share, sh->mfn, sh->mfn);
    /* Stale mappings of a misbehaving guest, if any, read zeros. */
    clear_domain_page(sh->mfn);
    /* Our type reference must be the only one: if not, say how it went. */
    if ( (pg->u.inuse.type_info & (PGT_type_mask | PGT_count_mask)) !=
         (PGT_shared_page | 1) )
    {
        printk(XENLOG_ERR "cbps: shared frame %"PRI_mfn" has type %#lx, "
               "count %#lx, at free\n", mfn_x(sh->mfn),
               pg->u.inuse.type_info, pg->count_info);
        ev_print(mfn_x(sh->mfn));
        ASSERT_UNREACHABLE();
    }
    else
        put_page_type(pg);
    if ( test_and_clear_bit(_PGC_allocated, &pg->count_info) )
        put_page(pg);
    xfree(sh);
}

/*
 * What a domain is charged for (its tot_pages, against its max_pages):
 * its own frames and every shared frame it holds.  A commit frees the
 * domain's frame but keeps the charge, and a copy-out takes it over, so
 * a copy never needs room under max_pages (an administrator lowering
 * maxmem cannot make every unshare fail), and a guest cannot fill its
 * quota to make them fail.  Sharing saves the host's memory, not the
 * guest's quota.  A hold that ends without a copy (ballooned out, or the
 * domain dies) gives the charge back.
 */
static void charge(struct domain *d, unsigned int n)
{
    spin_lock(&d->page_alloc_lock);
    /* d has frames of its own: this is never its first page. */
    if ( domain_adjust_tot_pages(d, n) == n )
        get_knownalive_domain(d);
    spin_unlock(&d->page_alloc_lock);
}

static void uncharge(struct domain *d, unsigned int n)
{
    bool drop;

    if ( !n )
        return;
    spin_lock(&d->page_alloc_lock);
    drop = !domain_adjust_tot_pages(d, -(long)n);
    spin_unlock(&d->page_alloc_lock);
    /* As free_domheap_pages(): the last page held a domain reference. */
    if ( drop )
        put_domain(d);
}

/*
 * Hand pg, allocated with no owner and already filled, to d with refs
 * general and rw writable-type references taken for the entries that
 * will map it.  Until the count is set no get_page() against d succeeds,
 * and after it the type is writable and in use: no vCPU of d can pin,
 * free or retype the frame before Xen is done with it.  The charge comes
 * from the hold it replaces.  -ESRCH when d is dying.
 */
static int give_frame(struct domain *d, struct page_info *pg,
                      unsigned int refs, unsigned int rw)
{
    spin_lock(&d->page_alloc_lock);
    if ( d->is_dying )
    {
        spin_unlock(&d->page_alloc_lock);
        return -ESRCH;
    }
    ASSERT(!page_get_owner(pg) && !(pg->count_info & PGC_count_mask));
    pg->u.inuse.type_info = rw ? PGT_writable_page | PGT_validated | rw : 0;
    page_set_owner(pg, d);
    smp_wmb();      /* owner and type before the count that admits get_page */
    pg->count_info = (pg->count_info & ~PGC_count_mask) | PGC_allocated |
                     (1 + refs);
    page_list_add_tail(pg, &d->page_list);
    spin_unlock(&d->page_alloc_lock);
    return 0;
}

/* Make the listed RW entries of m read-only; undo with restore_ptes(). */
static int protect_ptes(struct domain *d, mfn_t m, const struct cbps_pte *pte,
                        unsigned int n, unsigned int *done)
{
    struct page_info *pg = mfn_to_page(m);
    unsigned int i;
    int rc;

    for ( *done = 0; *done < n; (*done)++ )
    {
        i = *done;
        if ( !pte_rw(pte[i].orig) )
            continue;
        rc = pte_replace(d, pte[i].ma, pte[i].orig,
                         pte_with(pte[i].orig, m, false));
        if ( rc )
            return rc;
        put_page_type(pg);
    }
    return 0;
}

static void restore_ptes(struct domain *d, mfn_t m, const struct cbps_pte *pte,
                         unsigned int done)
{
    struct page_info *pg = mfn_to_page(m);
    unsigned int i;

    for ( i = 0; i < done; i++ )
    {
        if ( !pte_rw(pte[i].orig) )
            continue;
        if ( !get_page_type(pg, PGT_writable_page) )
            continue;       /* cannot happen: we own the only mappings */
        if ( pte_replace(d, pte[i].ma, pte_with(pte[i].orig, m, false),
                         pte[i].orig) )
            put_page_type(pg);
    }
}

/*
 * Read the entries the guest named: each must map m now.  Fills pte[]
 * with their values.
 */
static int read_ptes(struct domain *d, const struct xen_cbps_op *op, mfn_t m,
                     struct cbps_pte *pte)
{
    unsigned int i, j;

    for ( i = 0; i < op->u.commit.nr_ptes; i++ )
    {
        pte[i].ma = op->u.commit.pte_maddr[i];
        for ( j = 0; j < i; j++ )
            if ( pte[j].ma == pte[i].ma )
                return refuse(d, R_PTE, -EINVAL, m, pte[i].ma, j);
        if ( !pte_read(d, pte[i].ma, &pte[i].orig) )
        {
            const struct page_info *l1 = mfn_valid(maddr_to_mfn(pte[i].ma))
                ? mfn_to_page(maddr_to_mfn(pte[i].ma)) : NULL;

            return refuse(d, R_PTE, -EINVAL, m, pte[i].ma,
                          l1 ? l1->u.inuse.type_info : 0);
        }
        if ( !pte_maps(pte[i].orig, m) )
            return refuse(d, R_PTE, -EINVAL, m, pte[i].ma, pte[i].orig);
    }
    return 0;
}

/* m's references are exactly: allocation, our own and the n entries. */
static bool only_refs(const struct page_info *pg, unsigned int n)
{
    unsigned long c = pg->count_info;

    return (c & PGC_allocated) && (c & PGC_count_mask) == n + 2;
}

/* cbps_refs_may_join() said no: what the commit returns, and what to print. */
static int join_refused(const struct domain *d, enum cbps_refusal why,
                        mfn_t m, mfn_t s, unsigned int group)
{
    switch ( why )
    {
    case R_BUILDING:
        return refuse(d, why, -ESRCH, m, 0, mfn_x(s));
    case R_DRAIN:
        return refuse(d, why, -EBUSY, m, 0, cbps_group(d));
    case R_CAP:
        return refuse(d, why, -ENOSPC, m, 0, cbps_refs_held(d));
    case R_GROUP:
        return refuse(d, why, -EPERM, m, group, cbps_group(d));
    default:
        ASSERT(why == R_SHARE);
        return refuse(d, R_SHARE, -ESRCH, m, 0, mfn_x(s));
    }
}

/*
 * The guest's frame m is replaced by the shared frame s, which holds the
 * same bytes (fresh: s is new, and gets m's bytes once m is read-only).
 * d's M2P view names pfn for s before any entry maps s.
 */
static int join(struct domain *d, mfn_t m, mfn_t s, struct holder *h,
                bool fresh)
{
    struct page_info *pg = mfn_to_page(m), *spg = mfn_to_page(s);
    struct share *sh;
    enum cbps_refusal why;
    unsigned int i, done;
    const void *a, *b;
    bool same = true;
    int rc;

    rc = protect_ptes(d, m, h->pte, h->nr_ptes, &done);
    if ( rc )
        goto undo;
    flush_guest_tlbs(d);

    rc = -EBUSY;
    if ( (pg->u.inuse.type_info & PGT_count_mask) ||
         !only_refs(pg, h->nr_ptes) )
    {
        refuse(d, R_REFS, rc, m, 0, pg->count_info);
        goto undo;
    }

    /* Neither frame can change now: compare (the hash only proposed). */
    if ( fresh )
        copy_domain_page(s, m);
    else
    {
        a = map_domain_page(m);
        b = map_domain_page(s);
        same = !memcmp(a, b, PAGE_SIZE);
        unmap_domain_page(b);
        unmap_domain_page(a);
    }
    rc = -EAGAIN;
    if ( !same )
    {
        refuse(d, R_DIFF, rc, m, 0, mfn_x(s));
        goto undo;
    }

    /* Become a holder first, so that the share cannot close under us. */
    spin_lock(&share_lock);
    sh = cbps_refs_find(s);
    why = cbps_refs_may_join(sh, d, fresh);
    if ( why != R_NONE )
    {
        unsigned int group = sh ? sh->group : 0;

        spin_unlock(&share_lock);
        rc = join_refused(d, why, m, s, group);
        goto undo;
    }
    memo_forget(d, s);          /* a copy d had of s is not d's s any more */
    cbps_refs_link(sh, h);      /* leaving: not usable until switched */
    spin_unlock(&share_lock);

    cbps_m2p_set(d, s, h->pfn);
    for ( i = 0; i < h->nr_ptes; i++ )
    {
        if ( !get_page(spg, dom_share) )
            BUG();              /* the share holds S allocated */
        if ( pte_replace(d, h->pte[i].ma, pte_with(h->pte[i].orig, m, false),
                         pte_with(h->pte[i].orig, s, false)) )
        {
            /* d is paused but for us: its entries cannot change. */
            put_page(spg);
            gprintk(XENLOG_WARNING, "cbps: entry %#"PRIpaddr" changed\n",
                    h->pte[i].ma);
            continue;
        }
        put_page(pg);
    }
    rc = p2m_replace(d, h->p2m_ma, m, s, false);
    if ( rc )
        gprintk(XENLOG_WARNING, "cbps: p2m entry %#"PRIpaddr" changed\n",
                h->p2m_ma);
    flush_guest_tlbs(d);

    /* A new share stays unusable until convert() has hashed it. */
    if ( !fresh )
    {
        spin_lock(&share_lock);
        cbps_refs_ready(h);
        spin_unlock(&share_lock);
    }

    ev(fresh ? 'C' : 'J', d, m, s);
    /* d stays charged for the frame it holds now; m goes (see charge()). */
    charge(d, 1);
    /* Give m back to Xen, scrubbed: it held d's data. */
    set_gpfn_from_mfn(mfn_x(m), INVALID_M2P_ENTRY);
    clear_domain_page(m);
    if ( test_and_clear_bit(_PGC_allocated, &pg->count_info) )
        put_page(pg);
    return 0;

 undo:
    restore_ptes(d, m, h->pte, done);
    return rc;
}

/* A new share from the pool, with the bytes of d's frame m: *out. */
static int convert(struct domain *d, mfn_t m, struct holder *h, mfn_t *out)
{
    struct page_info *spg;
    struct share *sh;
    const void *va;
    uint64_t hash;
    int rc;

    sh = xzalloc(struct share);
    if ( !sh )
        return refuse(d, R_NOMEM, -ENOMEM, m, 0, 0);
    spg = share_frame_alloc();
    if ( !spg )
    {
        xfree(sh);
        return refuse(d, R_POOL, -ENOSPC, m, 0, cbps_pool_frames());
    }
    sh->mfn = page_to_mfn(spg);
    sh->group = cbps_group(d);

    /* Findable by MFN (join needs it), not by contents until it has them. */
    spin_lock(&share_lock);
    memo_forget(NULL, sh->mfn);
    cbps_refs_insert(sh);
    spin_unlock(&share_lock);

    rc = join(d, m, sh->mfn, h, true);

    spin_lock(&share_lock);
    if ( rc )
        cbps_refs_remove(sh);
    else
    {
        va = map_domain_page(sh->mfn);
        hash = cbps_scan_hash(va);
        unmap_domain_page(va);
        cbps_refs_complete(sh, hash);   /* it may be joined, unshared now */
    }
    spin_unlock(&share_lock);

    if ( rc )
        free_share(sh);
    else
        *out = sh->mfn;
    return rc;
}

int cbps_share_commit(struct domain *d, const struct xen_cbps_op *op,
                      domid_t *partner, mfn_t *partner_mfn, mfn_t *shared)
{
    mfn_t m = _mfn(op->u.commit.from_mfn), s = _mfn(op->u.commit.to_mfn);
    struct page_info *pg;
    struct holder *h;
    unsigned long pfn;
    int rc;

    if ( op->u.commit.kind > CBPS_KIND_ANON || !op->u.commit.nr_ptes ||
         op->u.commit.nr_ptes > CBPS_COMMIT_MAX_PTES || !mfn_valid(m) ||
         !mfn_valid(s) )
        return -EINVAL;

    /* Only what Xen offered, and only once. */
    rc = cbps_offer_take(d, m, s, -1, partner, partner_mfn);
    if ( rc )
        return refuse(d, R_OFFER, rc, m, 0, mfn_x(s));
    /* Shadow mode (log-dirty) cannot map shared frames. */
    if ( paging_mode_enabled(d) )
        return refuse(d, R_PAGING, -EBUSY, m, 0, d->arch.paging.mode);
    /*
     * A device of d's could DMA into a frame d no longer owns (and cbps
     * retypes frames behind the IOMMU mappings Xen keeps for PV types).
     */
    if ( is_iommu_enabled(d) )
        return refuse(d, R_IOMMU, -EPERM, m, 0, 0);
    if ( !cbps_may_share(d) )
        return refuse(d, R_GROUP, -EPERM, m, 0, cbps_group(d));
    if ( cbps_opts.max_held && cbps_refs_held(d) >= cbps_opts.max_held )
        return refuse(d, R_CAP, -ENOSPC, m, 0, cbps_refs_held(d));

    pg = mfn_to_page(m);
    if ( !get_page(pg, d) )
        return refuse(d, R_GONE, -ESRCH, m, 0, pg->count_info);
    pfn = get_gpfn_from_mfn(mfn_x(m));
    rc = -ESRCH;
    if ( !VALID_M2P(pfn) || (!mfn_eq(m, s) && !is_share_frame(s)) )
    {
        refuse(d, R_SHARE, rc, m, 0, mfn_x(s));
        goto out_put;
    }

    rc = -ENOMEM;
    h = xzalloc(struct holder);
    if ( !h )
    {
        refuse(d, R_NOMEM, rc, m, 0, 0);
        goto out_put;
    }
    h->d = d;
    h->kind = op->u.commit.kind;
    h->nr_ptes = op->u.commit.nr_ptes;
    h->p2m_ma = op->u.commit.p2m_maddr;
    h->pfn = pfn;

    rc = domain_pause_except_self(d);
    if ( rc )
    {
        rc = refuse(d, R_PAUSE, -EAGAIN, m, 0, rc);
        goto out_free;
    }

    rc = read_ptes(d, op, m, h->pte);
    if ( !rc && (rc = p2m_replace(d, h->p2m_ma, m, m, true)) != 0 )
        refuse(d, R_P2M, rc, m, h->p2m_ma, 0);
    if ( !rc && mfn_eq(m, s) )
        rc = convert(d, m, h, shared);
    else if ( !rc && !(rc = join(d, m, s, h, false)) )
        *shared = s;

    domain_unpause_except_self(d);

 out_free:
    if ( rc )
        xfree(h);
 out_put:
    put_page(pg);
    return rc;
}

mfn_t cbps_share_lookup(uint64_t h, const void *va, struct domain *d)
{
    const struct share *sh;
    mfn_t found = INVALID_MFN;
    bool held = false;

    if ( !cbps_nr_shares )
        return found;

    spin_lock(&share_lock);
    for ( sh = cbps_refs_hash_next(h, cbps_group(d), NULL); sh;
          sh = cbps_refs_hash_next(h, cbps_group(d), sh) )
    {
        const void *sva;
        bool same;

        sva = map_domain_page(sh->mfn);
        same = !memcmp(sva, va, PAGE_SIZE);
        unmap_domain_page(sva);
        if ( !same )
            continue;
        /* At most one pfn a domain: d's view has one entry for S. */
        if ( cbps_refs_holder(sh, d) )
        {
            held = true;
            continue;
        }
        found = sh->mfn;
        break;
    }
    spin_unlock(&share_lock);

    if ( mfn_eq(found, INVALID_MFN) && held )
        COUNT(d, intra_dups);
    return found;
}

/*
 * Debug builds, cbps=...,test-delay=<ms>: a copy another domain's context
 * asked for (a backend's grant copy, a foreign mapping) waits, share_lock
 * not held, so that a VM test can destroy the domain meanwhile.
 */
static void test_delay(const struct domain *d)
{
#ifndef NDEBUG
    if ( cbps_opts.test_delay && current->domain != d )
    {
        printk(XENLOG_G_DEBUG "cbps: %pd copy for %pd waits %u ms (test)\n",
               current->domain, d, cbps_opts.test_delay);
        mdelay(cbps_opts.test_delay);
        printk(XENLOG_G_DEBUG "cbps: %pd copy for %pd goes on (test)\n",
               current->domain, d);
    }
#endif
}

/*
 * Give d its own copy of N = S's contents (d holds S; h is marked
 * leaving).  N is filled while it is nobody's, then given to d with the
 * references its entries will hold (give_frame()): d cannot reach a
 * frame Xen is still writing.  -ENOMEM: no free frame on the host;
 * -ESRCH: d is dying.
 */
static int copy_out(struct domain *d, struct share *sh, struct holder *h,
                    mfn_t *out)
{
    struct page_info *spg = mfn_to_page(sh->mfn), *npg;
    unsigned int i, rws = 0;
    mfn_t n;
    int rc;

    /* d's view has named h->pfn for S since d joined. */
    ASSERT(cbps_get_gpfn(d, mfn_x(sh->mfn)) == h->pfn);
    test_delay(d);

    npg = alloc_domheap_page(d, MEMF_no_owner);
    if ( !npg )
        return -ENOMEM;
    n = page_to_mfn(npg);
    copy_domain_page(n, sh->mfn);
    for ( i = 0; i < h->nr_ptes; i++ )
        rws += pte_rw(h->pte[i].orig);
    rc = give_frame(d, npg, h->nr_ptes, rws);
    if ( rc )
    {
        free_domheap_page(npg);
        return rc;
    }
    set_gpfn_from_mfn(mfn_x(n), h->pfn);

    for ( i = 0; i < h->nr_ptes; i++ )
    {
        bool rw = pte_rw(h->pte[i].orig);
        intpte_t old = pte_with(h->pte[i].orig, sh->mfn, false);
        intpte_t new = pte_with(h->pte[i].orig, n, rw);

        /* This entry's references on N were taken by give_frame(). */
        rc = pte_replace(d, h->pte[i].ma, old, new);
        if ( rc )
        {
            /*
             * The guest rewrote this entry itself (not ours any more),
             * or unpinned its table, which dropped its reference.
             */
            if ( rc == -EINVAL )
                pte_replace_unpinned(d, h->pte[i].ma, old, new);
            if ( rw )
                put_page_type(npg);
            put_page(npg);
            continue;
        }
        put_page(spg);
    }
    p2m_replace(d, h->p2m_ma, sh->mfn, n, false);
    flush_guest_tlbs(d);
    /* Nothing of d's maps S now: its view forgets S. */
    cbps_m2p_set(d, sh->mfn, INVALID_M2P_ENTRY);
    ev('U', d, sh->mfn, n);

    *out = n;
    return 0;
}

/*
 * d gets its own frame for S.  0 and *out (N); -ENOENT: d holds no S;
 * -EAGAIN: another vCPU of d is at it; -ENOMEM: no free frame on the
 * host; -ESRCH: d is dying.  The last holder copies too: S is a pool
 * frame, and goes back to the pool.
 */
static int unshare(struct domain *d, mfn_t s, mfn_t *out)
{
    struct share *sh;
    struct holder *h;
    bool last, gone;
    int rc;

    spin_lock(&share_lock);
    rc = cbps_refs_leave_begin(s, d, true, &sh, &h);
    spin_unlock(&share_lock);
    if ( rc < 0 )
        return rc;
    last = rc;

    /*
     * h and sh stay while h is leaving: cbps_share_relinquish() waits for
     * an unshare of a dying domain that another domain's context runs.
     */
    rc = copy_out(d, sh, h, out);
    if ( rc )
    {
        spin_lock(&share_lock);
        cbps_refs_leave_undo(sh, h);
        if ( rc == -ENOMEM )
            enomems++;
        spin_unlock(&share_lock);
        if ( rc == -ENOMEM )
            COUNT(d, enomem);
        return rc;
    }

    /*
     * Whether the share is gone is decided under the lock: another
     * holder unsharing S at the same time may free it the moment we let
     * go (two guests writing one shared page freed it twice).
     */
    spin_lock(&share_lock);
    gone = cbps_refs_leave_end(sh, h);
    memo_put(d, s, *out);
    if ( last )
        takebacks++;
    else
        cow_breaks++;
    spin_unlock(&share_lock);

    if ( gone )
        free_share(sh);
    xfree(h);

    if ( last )
        COUNT(d, takebacks);
    else
        COUNT(d, cow_breaks);
    return 0;
}

/* Pause d until a frame can be had; dom0 sees it in cbps and xl list. */
static void enomem_pause(struct domain *d)
{
    unsigned int i;

    spin_lock(&share_lock);
    for ( i = 0; i < nr_paused; i++ )
        if ( paused[i] == d->domain_id )
            break;
    /* A dying domain's id may come back: relinquish emptied its slot. */
    if ( i == nr_paused && nr_paused < MAX_PAUSED && !d->is_dying )
    {
        paused[nr_paused++] = d->domain_id;
        spin_unlock(&share_lock);
        printk(XENLOG_G_WARNING
               "cbps: %pd paused: no free frame to unshare into\n", d);
        domain_pause_by_systemcontroller_nosync(d);
        send_global_virq(VIRQ_ENOMEM);
        set_timer(&enomem_timer, NOW() + ENOMEM_TICK);
        return;
    }
    spin_unlock(&share_lock);
}

static void cf_check enomem_timer_fn(void *unused)
{
    domid_t ids[MAX_PAUSED];
    unsigned int i, n;

    if ( avail_domheap_pages() < ENOMEM_SLACK )
    {
        set_timer(&enomem_timer, NOW() + ENOMEM_TICK);
        return;
    }

    spin_lock(&share_lock);
    n = nr_paused;
    memcpy(ids, paused, n * sizeof(*ids));
    nr_paused = 0;
    spin_unlock(&share_lock);

    for ( i = 0; i < n; i++ )
    {
        struct domain *d = rcu_lock_domain_by_id(ids[i]);

        if ( !d )
            continue;
        printk(XENLOG_G_INFO "cbps: %pd resumed: memory is free again\n", d);
        domain_unpause_by_systemcontroller(d);
        rcu_unlock_domain(d);
    }
}

static bool is_paused(const struct domain *d)
{
    unsigned int i;

    for ( i = 0; i < nr_paused; i++ )
        if ( paused[i] == d->domain_id )
            return true;
    return false;
}

/* unshare(), or d's copy of S already made (its stale entry named S). */
static int unshare_or_memo(struct domain *d, mfn_t s, mfn_t *n)
{
    int rc = unshare(d, s, n);

    if ( rc == -ENOENT && memo_find(d, s, n) )
        return 0;
    return rc;
}

/*
 * -ERESTART: retry later (d paused for memory, or another vCPU of d is
 * unsharing S).  Only for callers that give the CPU up before they retry
 * (a guest's access, a hypercall continuation).
 */
static int unshare_for(struct domain *d, mfn_t s, mfn_t *n)
{
    int rc = unshare_or_memo(d, s, n);

    if ( rc == -ENOMEM )
        enomem_pause(d);
    if ( rc == -ENOMEM || rc == -EAGAIN )
        return -ERESTART;
    return rc;
}

int cbps_write_fault(unsigned long addr, const struct cpu_user_regs *regs)
{
    struct domain *d = current->domain;
    l1_pgentry_t pte;
    mfn_t n;
    int rc;

    if ( !cbps_nr_shares || is_idle_domain(d) || !is_pv_domain(d) ||
         is_pv_32bit_domain(d) || paging_mode_enabled(d) ||
         (regs->error_code & (PFEC_page_present | PFEC_write_access |
                              PFEC_reserved_bit | PFEC_insn_fetch)) !=
         (PFEC_page_present | PFEC_write_access) )
        return 0;

    /* Shared frames have kernel mappings only. */
    pte = guest_get_eff_kern_l1e(addr);
    if ( !(l1e_get_flags(pte) & _PAGE_PRESENT) ||
         !is_share_frame(l1e_get_mfn(pte)) )
        return 0;

    /*
     * Xen's own access (copy_to_guest() in a hypercall, a runstate or
     * time area written at context switch) is retried at once, with no
     * softirq in between: only a done unshare, or one another context is
     * finishing, may send it back, or the CPU could loop in Xen for as
     * long as a copy fails.  Otherwise the access fails (-EFAULT to the
     * hypercall).  A guest's own write is retried from the guest, which
     * may wait for memory meanwhile.
     */
    if ( guest_mode(regs) )
        rc = unshare_for(d, l1e_get_mfn(pte), &n);
    else
    {
        rc = unshare_or_memo(d, l1e_get_mfn(pte), &n);
        if ( rc == -EAGAIN && this_cpu(xen_retries)++ < XEN_RETRIES )
            return EXCRET_fault_fixed;
        this_cpu(xen_retries) = 0;
    }

    switch ( rc )
    {
    case 0:
        /* An entry cbps did not switch still maps S: not ours to fix. */
        if ( mfn_eq(l1e_get_mfn(guest_get_eff_kern_l1e(addr)),
                    l1e_get_mfn(pte)) )
            return 0;
        return EXCRET_fault_fixed;  /* the write is retried */
    case -ERESTART:
        return EXCRET_fault_fixed;
    default:
        return 0;                   /* not ours: the guest sees its fault */
    }
}

int cbps_own_frame(struct domain *d, unsigned long *mfn)
{
    mfn_t n;
    int rc;

    if ( !cbps_nr_shares || !is_pv_domain(d) || !is_share_frame(_mfn(*mfn)) )
        return 0;

    rc = unshare_for(d, _mfn(*mfn), &n);
    ev('O', d, _mfn(*mfn), rc ? INVALID_MFN : n);
    if ( rc == -ENOENT )
        return 0;               /* not d's: the caller's owner check fails */
    if ( rc )
        return rc;
    *mfn = mfn_x(n);
    return 0;
}

/* Any new mapping of a shared frame, even read-only: see DESIGN.md. */
int cbps_l1e_install(struct domain *d, intpte_t *val)
{
    l1_pgentry_t e = l1e_from_intpte(*val);
    unsigned long mfn;
    int rc;

    if ( !cbps_nr_shares || !(l1e_get_flags(e) & _PAGE_PRESENT) )
        return 0;

    mfn = mfn_x(l1e_get_mfn(e));
    rc = cbps_own_frame(d, &mfn);
    if ( !rc )
        *val = l1e_get_intpte(l1e_from_mfn(_mfn(mfn), l1e_get_flags(e)));
    return rc;
}

/*
 * An entry of an L1 being validated (a pin).  Linux's fork copies a
 * parent's entries into the child's tables before it pins them, so a
 * shared frame's entry arrives here with no call that installed it: the
 * domain gets its own copy, as for any other install.  Unsharing takes
 * other L1s' page locks, so not under one (an L2 update validating a new
 * L1, which Linux never does with entries in it).  -EINTR: try the pin
 * again (a continuation), the domain waits for memory meanwhile.
 */
int cbps_l1e_validate(struct domain *d, l1_pgentry_t *e)
{
    intpte_t val = l1e_get_intpte(*e);
    int rc;

    if ( !cbps_nr_shares || !(l1e_get_flags(*e) & _PAGE_PRESENT) ||
         !is_share_frame(l1e_get_mfn(*e)) )
        return 0;
    if ( this_cpu(cbps_page_locks) )
    {
        gprintk(XENLOG_WARNING,
                "cbps: shared frame %"PRI_mfn" in an L1 validated under "
                "a page lock\n", mfn_x(l1e_get_mfn(*e)));
        return -EBUSY;
    }

    rc = cbps_l1e_install(d, &val);
    if ( rc == -ERESTART )
        return -EINTR;
    if ( rc )
        return rc;
    if ( !mfn_eq(l1e_get_mfn(l1e_from_intpte(val)), l1e_get_mfn(*e)) )
        COUNT(d, pin_unshares);
    *e = l1e_from_intpte(val);
    return 0;
}

bool cbps_ptwr_defer(struct domain *d, intpte_t *val)
{
    l1_pgentry_t e = l1e_from_intpte(*val);
    mfn_t s, n;

    if ( !cbps_nr_shares || !(l1e_get_flags(e) & _PAGE_PRESENT) ||
         !is_share_frame(l1e_get_mfn(e)) )
        return false;

    s = l1e_get_mfn(e);
    if ( !holds(d, s) && memo_find(d, s, &n) )
    {
        *val = l1e_get_intpte(l1e_from_mfn(n, l1e_get_flags(e)));
        return false;
    }
    this_cpu(deferred) = mfn_x(s);
    return true;
}

void cbps_ptwr_deferred(struct domain *d)
{
    mfn_t s = _mfn(this_cpu(deferred)), n;

    if ( !mfn_x(s) )
        return;
    this_cpu(deferred) = 0;
    unshare_for(d, s, &n);      /* the guest retries its write either way */
}

int cbps_guest_remove_page(struct domain *d, unsigned long *gmfn)
{
    struct share *sh;
    struct holder *h;
    intpte_t cur;
    unsigned int i;
    bool mapped = false, gone;
    mfn_t s = _mfn(*gmfn), n;
    int rc;

    if ( !cbps_nr_shares || !is_pv_domain(d) || !is_share_frame(s) )
        return 1;

    spin_lock(&share_lock);
    rc = cbps_refs_leave_begin(s, d, false, &sh, &h);
    spin_unlock(&share_lock);
    if ( rc < 0 )
    {
        /* Already unshared: the guest's stale p2m named S. */
        if ( memo_find(d, s, &n) )
            *gmfn = mfn_x(n);
        return 1;
    }

    /* Ballooning unmaps first; a frame still mapped is unshared. */
    for ( i = 0; i < h->nr_ptes; i++ )
        mapped |= pte_read(d, h->pte[i].ma, &cur) && pte_maps(cur, s);
    if ( mapped )
    {
        spin_lock(&share_lock);
        cbps_refs_leave_undo(sh, h);
        spin_unlock(&share_lock);
        rc = unshare_for(d, s, &n);
        if ( rc )
            return rc;
        *gmfn = mfn_x(n);
        return 1;
    }

    /* d lets go of its hold, and of what it was charged for it. */
    ev('R', d, s, s);
    cbps_m2p_set(d, s, INVALID_M2P_ENTRY);
    spin_lock(&share_lock);
    gone = cbps_refs_leave_end(sh, h);
    spin_unlock(&share_lock);
    if ( gone )
        free_share(sh);
    xfree(h);
    uncharge(d, 1);
    return 0;
}

/*
 * Up to a batch of d's holds, stopping early when the CPU is wanted:
 * each copy is an allocation, a page copy and a TLB flush.  0, or
 * -ENOMEM / -ESRCH with frames left; *left: what d holds after.
 */
static int unshare_batch(struct domain *d, uint64_t *left,
                         unsigned int *copied)
{
    unsigned int i, nr = 0;
    uint64_t held;
    mfn_t todo[UNSHARE_BATCH], n;
    const struct holder *h;
    int rc = 0;

    *left = 0;
    *copied = 0;
    if ( !is_pv_domain(d) )
        return 0;

    /* A batch of d's own holds: the cost is in what d holds, bounded. */
    spin_lock(&share_lock);
    held = cbps_refs_held(d);
    list_for_each_entry ( h, &d->arch.pv.cbps_holds, dlist )
    {
        if ( nr == UNSHARE_BATCH )
            break;
        todo[nr++] = h->sh->mfn;
    }
    spin_unlock(&share_lock);

    for ( i = 0; i < nr; i++ )
    {
        if ( i && hypercall_preempt_check() )
            break;
        rc = unshare(d, todo[i], &n);
        if ( rc == -ENOMEM || rc == -ESRCH )
            break;
        if ( !rc )
        {
            held--;
            (*copied)++;
        }
        rc = 0;                 /* -EAGAIN: another vCPU of d copies it */
    }
    *left = held;
    return rc;
}

int cbps_share_unshare_all(struct domain *d, uint64_t *left)
{
    unsigned int copied;

    return unshare_batch(d, left, &copied);
}

/* The end of an unshare of everything: say how it went, reset its steps. */
static int unshare_end(struct domain *d, const char *what, int rc,
                       uint64_t left)
{
    if ( rc )
        printk(XENLOG_G_WARNING "cbps: %pd cannot %s: %"PRIu64
               " shared frames left (%d)\n", d, what, left, rc);
    else if ( d->arch.pv.cbps_unshared )
        printk(XENLOG_G_INFO "cbps: %pd %s: %lu shared frames copied in "
               "%u steps\n", d, what, d->arch.pv.cbps_unshared,
               d->arch.pv.cbps_steps + 1);
    d->arch.pv.cbps_unshared = 0;
    d->arch.pv.cbps_steps = 0;
    return rc;
}

/*
 * Give d its own copy of everything it holds; what for, if it cannot.
 * In steps of at most a batch: -ERESTART, and the caller's hypercall
 * continues (d is in a consistent state after every copy), so that one
 * call costs a batch whatever d holds.
 */
static int unshare_everything(struct domain *d, const char *what)
{
    uint64_t left = 0;
    unsigned int copied;
    int rc;

    if ( !is_pv_domain(d) )
        return 0;
    rc = unshare_batch(d, &left, &copied);
    d->arch.pv.cbps_unshared += copied;
    if ( !rc && left )
    {
        d->arch.pv.cbps_steps++;
        return -ERESTART;
    }
    return unshare_end(d, what, rc, left);
}

bool cbps_share_held_elsewhere(const struct domain *d)
{
    bool r;

    spin_lock(&share_lock);
    r = cbps_refs_held_elsewhere(d);
    spin_unlock(&share_lock);
    return r;
}

/*
 * The guest suspends (xl save, migration): the toolstack then reads its
 * p2m and saves what each pfn maps, and a frame of the share domain is
 * not the guest's to save.  So it gets its own copy of every frame
 * first.  Without memory for them the suspend fails (-ENOMEM) and the
 * guest runs on: a save never holds a frame it could not read.
 */
int cbps_domain_suspend(struct domain *d)
{
    return unshare_everything(d, "suspend");
}

/*
 * The control domain moved d to another sharing group: what d shares
 * with its old group must not stay shared (a frame d holds is readable,
 * through timing, by every other holder).
 */
int cbps_share_regroup(struct domain *d)
{
    /* Only frames of the old group: d may hold its new group's already. */
    if ( !cbps_share_held_elsewhere(d) )
        return unshare_end(d, "leave its sharing group", 0, 0);
    return unshare_everything(d, "leave its sharing group");
}

/*
 * Live migration puts a PV guest in shadow mode (log-dirty), whose
 * shadows of the guest's L1s take references as the guest: a frame of the
 * share domain cannot be shadowed.  So the guest unshares everything
 * first (d is paused), and commits nothing while in shadow mode.
 */
int cbps_log_dirty_enable(struct domain *d)
{
    int rc = unshare_everything(d, "enter log-dirty mode");

    if ( !rc && dom_cbps(d) )
        printk(XENLOG_G_INFO "cbps: %pd enters log-dirty mode: holds no "
               "shared frame, commits refused until it leaves\n", d);
    return rc;
}

/*
 * A dying domain lets go of its holds without copies, in steps: 0 when
 * none is left, -ERESTART to be called again (domain_kill() continues).
 * A hold another domain's context is unsharing (a backend's grant copy,
 * a foreign mapping: h->leaving) stays until that unshare is over; it
 * cannot start another, d being dying (give_frame()).
 */
int cbps_share_relinquish(struct domain *d)
{
    static const struct domain *last_waiter;
    struct share *freed, *sh;
    struct holder *released, *h;
    unsigned int i, done = 0;
    bool waiting;
    int rc;

    if ( !is_pv_domain(d) )
        return 0;

    spin_lock(&share_lock);
    rc = cbps_refs_release(d, RELEASE_BATCH, &released, &freed, &waiting);
    if ( rc && waiting && last_waiter != d )
    {
        last_waiter = d;        /* once a domain, not once a continuation */
        printk(XENLOG_G_INFO "cbps: %pd dying: waits for an unshare in "
               "flight\n", d);
    }
    if ( !rc )
    {
        for ( i = 0; i < nr_paused; i++ )
            if ( paused[i] == d->domain_id )
                paused[i] = paused[--nr_paused];
        /* Its domid may come back for another domain. */
        memo_forget_domain(d);
    }
    spin_unlock(&share_lock);

    /* Its shares are freed after: h->sh may be one of them. */
    while ( (h = released) != NULL )
    {
        released = h->next;
        ev('D', d, h->sh->mfn, h->sh->mfn);
        xfree(h);
        done++;
    }
    /* d's dying page tables drop their references to S later. */
    while ( (sh = freed) != NULL )
    {
        freed = sh->mnext;
        free_share(sh);
    }
    uncharge(d, done);
    if ( !rc )
        audit(d, "released");
    return rc;
}

int cbps_share_info(struct domain *d, struct cbps_share_stats *s)
{
    const struct cbps_domain *c;

    spin_lock(&cbps_lock);
    c = dom_cbps(d);
    if ( c )
        *s = c->share;
    spin_unlock(&cbps_lock);
    if ( !c )
        return -ENOENT;

    /* Counts kept as holds come and go: a guest's query costs O(1). */
    spin_lock(&share_lock);
    s->paused = is_paused(d);
    s->held = cbps_refs_held(d);
    s->held_image = d->arch.pv.cbps_held[CBPS_KIND_IMAGE];
    s->held_cache = d->arch.pv.cbps_held[CBPS_KIND_CACHE];
    s->held_anon = d->arch.pv.cbps_held[CBPS_KIND_ANON];
    spin_unlock(&share_lock);
    s->group = cbps_group(d);
    return 0;
}

void cbps_share_total(struct cbps_share_total *t)
{
    spin_lock(&share_lock);
    t->frames = cbps_nr_shares;
    t->holders = cbps_nr_holders;
    t->saved = cbps_nr_holders - cbps_nr_shares;
    t->cow_breaks = cow_breaks;
    t->takebacks = takebacks;
    t->enomem = enomems;
    spin_unlock(&share_lock);
    t->pool_frames = cbps_pool_frames();
    t->pool_free = cbps_pool_free_frames();
}

void cbps_share_dump(void)
{
    struct cbps_share_total t;
    unsigned int i;

    cbps_share_total(&t);
    printk("cbps: %"PRIu64" shared frames, %"PRIu64" holders, %"PRIu64
           " saved, %"PRIu64" CoW breaks, %"PRIu64" takebacks, %"PRIu64
           " unshares without memory, %u paused\n", t.frames, t.holders,
           t.saved, t.cow_breaks, t.takebacks, t.enomem, nr_paused);
    printk("cbps: commits refused:");
    for ( i = 0; i < R_NR; i++ )
        printk(" %s %lu;", refusal_name[i], refusals[i]);
    printk("\n");
}

int __init cbps_share_init(void)
{
    init_timer(&enomem_timer, enomem_timer_fn, NULL, 0);
    if ( !cbps_opts.enabled )
        return 0;

    /* DOMID_COW is free: dom_cow exists only with CONFIG_MEM_SHARING. */
    dom_share = domain_create(DOMID_COW, NULL, 0);
    if ( IS_ERR(dom_share) )
    {
        printk(XENLOG_ERR "cbps: no share domain (%ld): sharing off\n",
               PTR_ERR(dom_share));
        dom_share = NULL;
        cbps_opts.share = false;
        return -ENOMEM;
    }
    /* Shared frames come from the pool: no pool, no sharing. */
    if ( cbps_opts.share && cbps_pool_init(cbps_opts.pool_mb) )
        cbps_opts.share = false;
    return 0;
}
