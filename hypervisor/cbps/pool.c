/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pool.c: the frames shared frames come from, and each domain's own view
 * of their M2P entries (DESIGN-NOTES §1, issue 5).
 *
 * A PV Linux reads every PTE through the read-only M2P and checks the
 * result against its p2m.  A frame S shared by A at pfn PA and by B at
 * pfn PB needs M2P[S] = PA in A and PB in B.  So shared frames come from
 * a pool reserved at boot (pool=, a naturally aligned power of two of at
 * most 1 GiB), whose M2P entries fill whole pages of one L1 table of the
 * read-only M2P mapping.  Each PV domain gets its own copy of the path to
 * that L1 (L3, L2, L1) and its own pages of M2P for the pool; its L4 slot
 * for the read-only M2P points at its copy.  Everything outside the pool
 * maps Xen's one M2P, as before.  The global M2P says SHARED_M2P_ENTRY
 * for every pool frame, as mem_sharing's shared frames do.
 *
 * The slot is installed by init_xen_l4_slots() and fill_ro_mpt() (guest
 * and shadow L4s) and by the context switch into XPTI's per-CPU root
 * table, all through cbps_ro_mpt().  Memory hot-add would grow Xen's M2P
 * tables but not the copies, so it is refused while the pool exists.
 */
#include <xen/domain_page.h>
#include <xen/init.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/xmalloc.h>
#include <asm/cbps.h>
#include <asm/flushtlb.h>

#include "pool.h"
#include "private.h"

/* Override macros from asm/page.h to make them work with mfn_t */
#undef virt_to_mfn
#define virt_to_mfn(va) _mfn(__virt_to_mfn(va))

#define M2P_PER_PAGE    (PAGE_SIZE / sizeof(unsigned long))

struct cbps_view {
    l3_pgentry_t *l3;
    l2_pgentry_t *l2;
    l1_pgentry_t *l1;
    unsigned long *m2p;         /* the pool's entries, as d sees them */
};

unsigned long cbps_pool_start, cbps_pool_end;
static unsigned int pool_order, view_order;
static unsigned long *pool_map;         /* a set bit: the frame is free */
static unsigned long pool_nr_free;
static DEFINE_SPINLOCK(pool_lock);

/* The read-only M2P's entry for the pool, at each level of Xen's tables. */
static l3_pgentry_t pool_l3e;
static l2_pgentry_t pool_l2e;

static unsigned long pool_va(void)
{
    return RO_MPT_VIRT_START + cbps_pool_start * sizeof(unsigned long);
}

/* Find the entries that map the pool's M2P; false if they are not there. */
static bool __init find_m2p_path(void)
{
    l4_pgentry_t l4e = idle_pg_table[l4_table_offset(RO_MPT_VIRT_START)];
    l3_pgentry_t *l3t;
    l2_pgentry_t *l2t;

    if ( !(l4e_get_flags(l4e) & _PAGE_PRESENT) )
        return false;
    l3t = map_domain_page(l4e_get_mfn(l4e));
    pool_l3e = l3t[l3_table_offset(pool_va())];
    unmap_domain_page(l3t);
    if ( !(l3e_get_flags(pool_l3e) & _PAGE_PRESENT) )
        return false;
    if ( l3e_get_flags(pool_l3e) & _PAGE_PSE )
        return true;
    l2t = map_domain_page(l3e_get_mfn(pool_l3e));
    pool_l2e = l2t[l2_table_offset(pool_va())];
    unmap_domain_page(l2t);
    return l2e_get_flags(pool_l2e) & _PAGE_PRESENT;
}

int __init cbps_pool_init(unsigned int mb)
{
    struct page_info *pg;
    unsigned long i, n;

    pool_order = get_order_from_bytes((paddr_t)mb << 20);
    n = 1UL << pool_order;
    pg = alloc_domheap_pages(NULL, pool_order, 0);
    pool_map = xzalloc_array(unsigned long, BITS_TO_LONGS(n));
    if ( !pg || !pool_map )
    {
        printk(XENLOG_ERR "cbps: cannot reserve a pool of %u MiB for shared "
               "frames (boot with a smaller cbps=pool=): sharing off\n", mb);
        goto fail;
    }
    cbps_pool_start = mfn_x(page_to_mfn(pg));
    cbps_pool_end = cbps_pool_start + n;
    if ( !find_m2p_path() )
    {
        printk(XENLOG_ERR "cbps: the M2P of the pool at %#lx is not mapped: "
               "sharing off\n", cbps_pool_start);
        goto fail;
    }

    view_order = get_order_from_pages(n / M2P_PER_PAGE);
    for ( i = 0; i < n; i++ )
    {
        set_gpfn_from_mfn(cbps_pool_start + i, SHARED_M2P_ENTRY);
        __set_bit(i, pool_map);
    }
    pool_nr_free = n;
    printk(XENLOG_INFO "cbps: pool of %u MiB for shared frames at mfn %#lx, "
           "M2P view %lu KiB a domain\n", mb, cbps_pool_start,
           (PAGE_SIZE << view_order) >> 10);
    return 0;

 fail:
    cbps_pool_start = cbps_pool_end = 0;   /* before the heap takes it */
    if ( pg )
        free_domheap_pages(pg, pool_order);
    xfree(pool_map);
    pool_map = NULL;
    return -ENOMEM;
}

unsigned long cbps_pool_frames(void)
{
    return cbps_pool_end - cbps_pool_start;
}

unsigned long cbps_pool_free_frames(void)
{
    return ACCESS_ONCE(pool_nr_free);
}

/* A pool frame with no owner and no references; NULL when none is left. */
struct page_info *cbps_pool_alloc(void)
{
    unsigned long flags, i, n = cbps_pool_frames();
    struct page_info *pg;

    spin_lock_irqsave(&pool_lock, flags);
    i = n ? find_first_bit(pool_map, n) : n;
    if ( i < n )
    {
        __clear_bit(i, pool_map);
        pool_nr_free--;
    }
    spin_unlock_irqrestore(&pool_lock, flags);
    if ( i >= n )
        return NULL;

    pg = mfn_to_page(_mfn(cbps_pool_start + i));
    /* A CPU may still cache a mapping of the frame's last share. */
    filtered_flush_tlb_mask(pg->tlbflush_timestamp);
    return pg;
}

/* free_domheap_pages(): a pool frame goes back to the pool, not the heap. */
bool cbps_pool_free_page(struct page_info *pg, unsigned int order)
{
    unsigned long flags, i = mfn_x(page_to_mfn(pg)) - cbps_pool_start;

    if ( !cbps_pool_frame(mfn_x(page_to_mfn(pg))) )
        return false;
    BUG_ON(order);              /* the share domain frees single frames */

    page_set_owner(pg, NULL);
    pg->u.inuse.type_info = 0;
    page_set_tlbflush_timestamp(pg);

    spin_lock_irqsave(&pool_lock, flags);
    BUG_ON(test_bit(i, pool_map));
    __set_bit(i, pool_map);
    pool_nr_free++;
    spin_unlock_irqrestore(&pool_lock, flags);
    return true;
}

static struct cbps_view *view_of(const struct domain *d)
{
    return is_pv_domain(d) ? d->arch.pv.cbps_view : NULL;
}

l4_pgentry_t cbps_ro_mpt(const struct domain *d)
{
    const struct cbps_view *v = view_of(d);

    return v ? l4e_from_mfn(virt_to_mfn(v->l3),
                            l4e_get_flags(idle_pg_table[
                                l4_table_offset(RO_MPT_VIRT_START)]))
             : idle_pg_table[l4_table_offset(RO_MPT_VIRT_START)];
}

unsigned long cbps_get_gpfn(const struct domain *d, unsigned long mfn)
{
    const struct cbps_view *v = view_of(d);

    if ( !cbps_pool_frame(mfn) )
        return get_gpfn_from_mfn(mfn);
    return v ? ACCESS_ONCE(v->m2p[mfn - cbps_pool_start]) : INVALID_M2P_ENTRY;
}

void cbps_m2p_set(struct domain *d, mfn_t m, unsigned long pfn)
{
    struct cbps_view *v = view_of(d);

    ASSERT(cbps_pool_frame(mfn_x(m)));
    /* Linux reads it lock-free: an aligned 8-byte store is atomic. */
    if ( v )
        write_atomic(&v->m2p[mfn_x(m) - cbps_pool_start], pfn);
}

static void view_free(struct cbps_view *v)
{
    free_xenheap_page(v->l1);
    free_xenheap_page(v->l2);
    free_xenheap_page(v->l3);
    if ( v->m2p )
        free_xenheap_pages(v->m2p, view_order);
    xfree(v);
}

/*
 * d's copy of the path from the read-only M2P slot to the pool's pages
 * of M2P.  Where Xen maps the M2P with a large page, the copy splits it:
 * the same frames, mapped a level lower, with the same flags.
 */
static int view_build(struct cbps_view *v)
{
    l4_pgentry_t l4e = idle_pg_table[l4_table_offset(RO_MPT_VIRT_START)];
    unsigned long va = pool_va();
    unsigned int i, first = l1_table_offset(va);
    unsigned int flags;
    const void *src;

    v->l3 = alloc_xenheap_page();
    v->l2 = alloc_xenheap_page();
    v->l1 = alloc_xenheap_page();
    v->m2p = alloc_xenheap_pages(view_order, 0);
    if ( !v->l3 || !v->l2 || !v->l1 || !v->m2p )
        return -ENOMEM;
    memset(v->m2p, 0xff, PAGE_SIZE << view_order);  /* INVALID_M2P_ENTRY */

    src = map_domain_page(l4e_get_mfn(l4e));
    copy_page(v->l3, src);
    unmap_domain_page(src);

    flags = l3e_get_flags(pool_l3e);
    if ( flags & _PAGE_PSE )
    {
        for ( i = 0; i < L2_PAGETABLE_ENTRIES; i++ )
            v->l2[i] = l2e_from_pfn(l3e_get_pfn(pool_l3e) +
                                    i * L1_PAGETABLE_ENTRIES, flags);
    }
    else
    {
        src = map_domain_page(l3e_get_mfn(pool_l3e));
        copy_page(v->l2, src);
        unmap_domain_page(src);
    }
    v->l3[l3_table_offset(va)] = l3e_from_mfn(virt_to_mfn(v->l2),
                                              flags & ~_PAGE_PSE);

    if ( flags & _PAGE_PSE )
        flags = l2e_get_flags(v->l2[l2_table_offset(va)]);
    else
        flags = l2e_get_flags(pool_l2e);
    if ( flags & _PAGE_PSE )
    {
        unsigned long base = l2e_get_pfn(v->l2[l2_table_offset(va)]);

        for ( i = 0; i < L1_PAGETABLE_ENTRIES; i++ )
            v->l1[i] = l1e_from_pfn(base + i, flags & ~_PAGE_PSE);
    }
    else
    {
        src = map_domain_page(l2e_get_mfn(v->l2[l2_table_offset(va)]));
        copy_page(v->l1, src);
        unmap_domain_page(src);
    }
    for ( i = 0; i < cbps_pool_frames() / M2P_PER_PAGE; i++ )
        v->l1[first + i] = l1e_from_mfn(mfn_add(virt_to_mfn(v->m2p), i),
                                        flags & ~_PAGE_PSE);
    v->l2[l2_table_offset(va)] = l2e_from_mfn(virt_to_mfn(v->l1),
                                              flags & ~_PAGE_PSE);
    return 0;
}

/* pv_domain_initialise(): before the domain's first L4 is made. */
int cbps_domain_create(struct domain *d)
{
    struct cbps_view *v;
    int rc;

    /* Every PV domain: share.c lists what it holds there. */
    if ( is_pv_domain(d) )
        INIT_LIST_HEAD(&d->arch.pv.cbps_holds);

    if ( !cbps_pool_frames() || is_idle_domain(d) || !is_pv_domain(d) ||
         d->domain_id >= DOMID_FIRST_RESERVED )
        return 0;

    v = xzalloc(struct cbps_view);
    if ( !v )
        return -ENOMEM;
    rc = view_build(v);
    if ( rc )
    {
        view_free(v);
        return rc;
    }
    d->arch.pv.cbps_view = v;
    return 0;
}

/* pv_domain_destroy(): no page table of d is in use any more. */
void cbps_domain_destroy(struct domain *d)
{
    if ( !is_pv_domain(d) || !d->arch.pv.cbps_view )
        return;
    view_free(d->arch.pv.cbps_view);
    d->arch.pv.cbps_view = NULL;
}
