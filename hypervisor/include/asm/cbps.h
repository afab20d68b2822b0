/* SPDX-License-Identifier: GPL-2.0-only */
/* asm/cbps.h: the hooks through which the rest of Xen calls cbps. */
#ifndef __ASM_X86_CBPS_H__
#define __ASM_X86_CBPS_H__

#include <xen/errno.h>
#include <xen/percpu.h>
#include <xen/sched.h>
#include <asm/page.h>
#include <public/xen.h>
#include <public/cbps.h>

struct cpu_user_regs;

#ifdef CONFIG_CBPS

/* XENMEM_cbps_op: every sub-command of the cbps interface. */
long cbps_memory_op(XEN_GUEST_HANDLE_PARAM(void) arg);

/* First phase of domain_relinquish_resources(): drop cbps state. */
int cbps_domain_relinquish(struct domain *d);

/* From the idle loop: scan a little; false when there is nothing to do. */
bool cbps_idle_work(void);

/*
 * Unshare hooks (share.c).  Each gives the current domain its own copy of
 * a shared frame before anything could write it.
 */
/* fixup_page_fault(): a write fault; EXCRET_fault_fixed when handled. */
int cbps_write_fault(unsigned long addr, const struct cpu_user_regs *regs);
/* Before page_lock() in mmu_update / update_va_mapping; may rewrite *val. */
int cbps_l1e_install(struct domain *d, intpte_t *val);
/*
 * Grants and the toolstack's foreign mappings: d's frame *mfn is about to
 * be used where cbps cannot follow it; may rewrite *mfn to d's own copy.
 * 0, or -ERESTART to try again later.
 */
int cbps_own_frame(struct domain *d, unsigned long *mfn);
/* SCHEDOP_shutdown(SHUTDOWN_suspend): 0, or the suspend fails with it. */
int cbps_domain_suspend(struct domain *d);
/* paging_log_dirty_enable(), d paused: 0, or log-dirty fails with it. */
int cbps_log_dirty_enable(struct domain *d);
/*
 * promote_l1_table(), for each present entry: may rewrite *e to the
 * domain's own copy of a shared frame.  -EINTR: retry the validation.
 */
int cbps_l1e_validate(struct domain *d, l1_pgentry_t *e);
/* page_lock() and page_unlock(): no unshare under a page lock. */
DECLARE_PER_CPU(unsigned int, cbps_page_locks);
static inline void cbps_page_lock_note(int delta)
{
    this_cpu(cbps_page_locks) += delta;
}
/* ptwr, under the L1's page lock: true means retry (unshare deferred). */
bool cbps_ptwr_defer(struct domain *d, intpte_t *val);
/* ptwr, after the page lock is dropped. */
void cbps_ptwr_deferred(struct domain *d);
/* guest_remove_page(): 0 done, 1 go on with *gmfn, or an error. */
int cbps_guest_remove_page(struct domain *d, unsigned long *gmfn);

/*
 * The pool of shared frames (pool.c): each PV domain sees its own M2P
 * entries for them, through its own read-only M2P slot.
 */
extern unsigned long cbps_pool_start, cbps_pool_end;

static inline bool cbps_pool_frame(unsigned long mfn)
{
    return mfn - cbps_pool_start < cbps_pool_end - cbps_pool_start;
}

/* pv_domain_initialise() and pv_domain_destroy(): d's M2P view. */
int cbps_domain_create(struct domain *d);
void cbps_domain_destroy(struct domain *d);
/* The L4 entry of d's read-only M2P (Xen's own when d has no view). */
l4_pgentry_t cbps_ro_mpt(const struct domain *d);
/* get_gpfn_from_mfn() as d sees it: its own pfn for a pool frame. */
unsigned long cbps_get_gpfn(const struct domain *d, unsigned long mfn);
/* free_domheap_pages(): true when pg went back to the pool. */
bool cbps_pool_free_page(struct page_info *pg, unsigned int order);

#else

static inline long cbps_memory_op(XEN_GUEST_HANDLE_PARAM(void) arg)
{
    return -ENOSYS;
}

static inline int cbps_domain_relinquish(struct domain *d)
{
    return 0;
}

static inline bool cbps_idle_work(void)
{
    return false;
}

static inline int cbps_write_fault(unsigned long addr,
                                   const struct cpu_user_regs *regs)
{
    return 0;
}

static inline int cbps_l1e_install(struct domain *d, intpte_t *val)
{
    return 0;
}

static inline int cbps_l1e_validate(struct domain *d, l1_pgentry_t *e)
{
    return 0;
}

static inline void cbps_page_lock_note(int delta)
{
}

static inline int cbps_own_frame(struct domain *d, unsigned long *mfn)
{
    return 0;
}

static inline int cbps_domain_suspend(struct domain *d)
{
    return 0;
}

static inline int cbps_log_dirty_enable(struct domain *d)
{
    return 0;
}

static inline bool cbps_ptwr_defer(struct domain *d, intpte_t *val)
{
    return false;
}

static inline void cbps_ptwr_deferred(struct domain *d)
{
}

static inline int cbps_guest_remove_page(struct domain *d,
                                         unsigned long *gmfn)
{
    return 1;
}

static inline bool cbps_pool_frame(unsigned long mfn)
{
    return false;
}

static inline int cbps_domain_create(struct domain *d)
{
    return 0;
}

static inline void cbps_domain_destroy(struct domain *d)
{
}

static inline l4_pgentry_t cbps_ro_mpt(const struct domain *d)
{
    return idle_pg_table[l4_table_offset(RO_MPT_VIRT_START)];
}

static inline unsigned long cbps_get_gpfn(const struct domain *d,
                                          unsigned long mfn)
{
    return get_gpfn_from_mfn(mfn);
}

static inline bool cbps_pool_free_page(struct page_info *pg,
                                       unsigned int order)
{
    return false;
}

#endif /* CONFIG_CBPS */

#endif /* __ASM_X86_CBPS_H__ */
