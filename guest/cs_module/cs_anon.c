// SPDX-License-Identifier: GPL-2.0-only
/*
 * Anonymous pages: every PTE of a page, found through its anon_vma.
 *
 * Linux 6.1 exports none of rmap_walk(), page_vma_mapped_walk() or the
 * anon_vma interval tree's iterators.  Of the ways around that
 * (DESIGN-NOTES §3) we write rmap_walk_anon() again from exported and
 * inline pieces:
 *  - the anon_vma is locked as folio_lock_anon_vma_read()'s fast path
 *    does (RCU, a trylock of the root's rwsem, the folio still mapped).
 *    We never sleep for it: a busy anon_vma is a refusal, and Xen offers
 *    the page again next cycle;
 *  - every anon_vma_chain in the tree is visited (rb_first_cached() and
 *    rb_next()), not only the interval tree's hits: O(chains), what the
 *    missing iterator would have saved;
 *  - each VMA's PTE is found by walking its page tables, which is what
 *    page_vma_mapped_walk() does for an order-0 page.
 * A kprobe lookup of the private symbols would be shorter but fails on
 * a kernel without kprobes; Xen reading the guest's L1s would not see
 * Linux's locks.  cs_anon_init() tries the walk on insmod's own stack
 * page, so a kernel where it does not work refuses the module.
 *
 * Making the page safe is KSM's write_protect_page(), for every mapping
 * at once.  With the folio lock, the anon_vma lock and each PTE lock
 * held: clear each PTE and flush; check that only those mappings (and
 * the swap cache) hold the page; clear PageAnonExclusive, so that a
 * write fault copies the page or reuses it through a new PTE write,
 * which Xen sees; put each PTE back read-only and clean.  Linux's view is
 * then read-only, as for a page KSM merged, and Xen is asked to switch
 * those PTEs and the direct map to the shared frame.
 */
#define pr_fmt(fmt) "cbps: " fmt

#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/ptrace.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/seq_file.h>
#include <linux/swap.h>
#include <linux/utsname.h>
#include <linux/version.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "cs.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#error "cs_anon.c repeats Linux 6.1's anonymous rmap walk: check it first"
#endif

/* The direct map takes one of the entries a commit names. */
#define CS_ANON_MAX_MAPS (CBPS_COMMIT_MAX_PTES - 1)

struct cs_anon_map {
	struct mm_struct *mm;
	unsigned long addr;
	pte_t *ptep;
	spinlock_t *ptl;
	pte_t orig;
};

struct cs_anon_walk {
	struct folio *folio;
	struct anon_vma *anon_vma;
	struct cs_anon_map map[CS_ANON_MAX_MAPS];
	int n;
};

/* folio_lock_anon_vma_read()'s fast path; false: busy or unmapped. */
static bool cs_anon_lock(struct cs_anon_walk *w)
{
	struct anon_vma *anon_vma, *root;
	unsigned long mapping;
	bool ok = false;

	rcu_read_lock();
	mapping = (unsigned long)READ_ONCE(w->folio->mapping);
	if ((mapping & PAGE_MAPPING_FLAGS) != PAGE_MAPPING_ANON ||
	    !folio_mapped(w->folio))
		goto out;
	anon_vma = (struct anon_vma *)(mapping - PAGE_MAPPING_ANON);
	root = READ_ONCE(anon_vma->root);
	if (!down_read_trylock(&root->rwsem))
		goto out;
	/* Still mapped: still its anon_vma, which cannot go away now. */
	if (!folio_mapped(w->folio)) {
		up_read(&root->rwsem);
		goto out;
	}
	w->anon_vma = anon_vma;
	ok = true;
out:
	rcu_read_unlock();
	return ok;
}

static void cs_anon_unlock(struct cs_anon_walk *w)
{
	while (w->n > 0) {
		w->n--;
		pte_unmap_unlock(w->map[w->n].ptep, w->map[w->n].ptl);
	}
	up_read(&w->anon_vma->root->rwsem);
}

/*
 * The PTE of addr in mm, unlocked, and its lock; NULL when no page table
 * is there.  The anon_vma lock keeps the tables: free_pgtables() unlinks
 * the VMA from it first.  PV has no huge pages.
 */
pte_t *cs_anon_pte(struct mm_struct *mm, unsigned long addr,
		   spinlock_t **ptlp)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;

	if (pgd_none(*pgd) || pgd_bad(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d) || p4d_bad(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud) || pud_bad(*pud))
		return NULL;
	pmd = pmd_offset(pud, addr);
	if (pmd_none(*pmd) || pmd_bad(*pmd))
		return NULL;
	*ptlp = pte_lockptr(mm, pmd);
	return pte_offset_map(pmd, addr);
}

/* Is ptl one of the PTE locks the walk holds already? */
static bool cs_anon_holds(const struct cs_anon_walk *w, spinlock_t *ptl)
{
	int i;

	for (i = 0; i < w->n; i++)
		if (w->map[i].ptl == ptl)
			return true;
	return false;
}

/*
 * Find and lock every PTE that maps the folio.  The first lock is taken
 * as rmap walks take it; further ones only if free, since another path
 * (fork, mremap) may hold two in another order.  A table we hold already
 * (two VMAs of one mm in one table: a VMA being split, or mremap's
 * MREMAP_DONTUNMAP) is read under the lock we have.  0, -E2BIG (more
 * mappings than a commit can name) or -EBUSY.
 */
static int cs_anon_find(struct cs_anon_walk *w)
{
	pgoff_t pgoff = w->folio->index;	/* order 0: its linear index */
	unsigned long pfn = folio_pfn(w->folio);
	struct rb_node *rb = rb_first_cached(&w->anon_vma->rb_root);

	for (; rb; rb = rb_next(rb)) {
		struct anon_vma_chain *avc =
			rb_entry(rb, struct anon_vma_chain, rb);
		struct vm_area_struct *vma = avc->vma;
		struct cs_anon_map c;
		bool held;
		pte_t pte;

		if (pgoff < vma->vm_pgoff)
			continue;
		c.addr = vma->vm_start +
			 ((pgoff - vma->vm_pgoff) << PAGE_SHIFT);
		if (c.addr < vma->vm_start || c.addr >= vma->vm_end)
			continue;
		c.mm = vma->vm_mm;
		c.ptep = cs_anon_pte(c.mm, c.addr, &c.ptl);
		if (!c.ptep)
			continue;
		held = cs_anon_holds(w, c.ptl);
		if (!w->n) {
			spin_lock(c.ptl);
		} else if (!held && !spin_trylock(c.ptl)) {
			pte_unmap(c.ptep);
			return -EBUSY;
		}
		pte = *c.ptep;
		if (!pte_present(pte) || pte_pfn(pte) != pfn || held) {
			if (held)
				pte_unmap(c.ptep);
			else
				pte_unmap_unlock(c.ptep, c.ptl);
			/* Ours twice in one table: more than a commit names. */
			if (held && pte_present(pte) && pte_pfn(pte) == pfn)
				return -E2BIG;
			continue;
		}
		if (w->n == CS_ANON_MAX_MAPS) {
			pte_unmap_unlock(c.ptep, c.ptl);
			return -E2BIG;
		}
		w->map[w->n++] = c;
	}
	return 0;
}

/* folio_mapcount() is not exported; an order-0 folio's is its page's. */
static int cs_anon_mapcount(struct folio *folio)
{
	return page_mapcount(folio_page(folio, 0));
}

/* All of the domain's TLBs: the mappings we cleared are in other mms. */
static int cs_anon_flush(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_ALL };

	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/*
 * KSM's write_protect_page() for each mapping.  Linux's PTEs end up
 * read-only and clean, and the page is no longer exclusive; or -EBUSY
 * (try again) or -ENOENT (not while a mapping stays as it is), with
 * everything as it was.
 */
static int cs_anon_protect(struct cs_anon_walk *w)
{
	struct page *page = folio_page(w->folio, 0);
	bool dirty = false;
	int i;

	for (i = 0; i < w->n; i++) {
		struct cs_anon_map *m = &w->map[i];

		/*
		 * An mm whose secondary MMUs we could not tell; PROT_NONE or
		 * NUMA hinting (present to Linux, not to the hardware, so
		 * Xen would not count it); userfaultfd write protection.
		 * None of them passes by itself: ineligible, so that Xen
		 * does not offer the page again every pass.
		 */
		if (mm_has_notifiers(m->mm) || pte_protnone(*m->ptep) ||
		    pte_uffd_wp(*m->ptep))
			return -ENOENT;
	}

	/* Cleared first, so that GUP-fast backs off or shows in the count. */
	for (i = 0; i < w->n; i++)
		w->map[i].orig = ptep_get_and_clear(w->map[i].mm,
						    w->map[i].addr,
						    w->map[i].ptep);
	/* Our reference, one per mapping, and the swap cache's. */
	if (cs_anon_flush() ||
	    folio_ref_count(w->folio) !=
	    1 + w->n + folio_test_swapcache(w->folio) ||
	    (PageAnonExclusive(page) && page_try_share_anon_rmap(page))) {
		for (i = 0; i < w->n; i++)
			set_pte_at(w->map[i].mm, w->map[i].addr,
				   w->map[i].ptep, w->map[i].orig);
		return -EBUSY;
	}

	for (i = 0; i < w->n; i++) {
		struct cs_anon_map *m = &w->map[i];

		dirty |= pte_dirty(m->orig);
		set_pte_at(m->mm, m->addr, m->ptep,
			   pte_mkclean(pte_wrprotect(m->orig)));
	}
	if (dirty)
		folio_mark_dirty(w->folio);
	return 0;
}

/*
 * Take Xen's offer for an anonymous folio (order 0, ours referenced):
 * its user PTEs and the direct map are all of the frame's mappings.
 */
int cs_anon_offer(struct xen_cbps_op *op, struct folio *folio,
		  unsigned long pfn)
{
	struct cs_anon_walk w = { .folio = folio };
	unsigned long mfn = op->u.commit.from_mfn;
	int i, rc;

	if (folio_test_ksm(folio) || !folio_mapped(folio))
		return -ENOENT;
	if (!folio_trylock(folio))
		return -EBUSY;
	rc = -EBUSY;
	/* Swap I/O names the frame (a blkfront grant): not while it runs. */
	if (folio_test_writeback(folio) || !cs_anon_lock(&w))
		goto out_folio;
	rc = cs_anon_find(&w);
	if (rc == -E2BIG)
		rc = -ENOENT;	/* too many mappings: never ours */
	/* A mapping the walk cannot see (a fork under way) stays a refusal. */
	if (!rc && (!w.n || w.n != cs_anon_mapcount(folio)))
		rc = -EBUSY;
	/* No direct-map PTE of the frame: ineligible, as for page cache. */
	if (!rc && !cs_pte_of((unsigned long)__va(PFN_PHYS(pfn)), mfn,
			      &op->u.commit.pte_maddr[0]))
		rc = -ENOENT;
	if (!rc)
		rc = cs_anon_protect(&w);
	if (!rc) {
		for (i = 0; i < w.n; i++)
			op->u.commit.pte_maddr[i + 1] =
				arbitrary_virt_to_machine(w.map[i].ptep).maddr;
		op->u.commit.nr_ptes = w.n + 1;
		op->u.commit.kind = CBPS_KIND_ANON;
		rc = cs_commit(op, pfn);
	}
	cs_anon_unlock(&w);
out_folio:
	folio_unlock(folio);
	return rc;
}

/*
 * The walk, on a page we know: the stack page insmod runs on, mapped
 * once, by insmod.  A kernel whose anon_vma the walk cannot read fails
 * here rather than on a page of a guest's process.
 */
int cs_anon_init(void)
{
	unsigned long addr = current_user_stack_pointer() & PAGE_MASK;
	struct cs_anon_walk w = { };
	struct page *page;
	int i, rc, tries;
	bool found = false;

	if (get_user_pages_fast(addr, 1, 0, &page) != 1)
		return -EFAULT;
	w.folio = page_folio(page);
	rc = -EINVAL;
	if (!folio_test_anon(w.folio) || folio_test_large(w.folio))
		goto out;
	folio_lock(w.folio);
	for (tries = 0; tries < 100 && !cs_anon_lock(&w); tries++)
		cond_resched();
	if (tries < 100) {
		rc = cs_anon_find(&w);
		for (i = 0; i < w.n; i++)
			found |= w.map[i].mm == current->mm &&
				 w.map[i].addr == addr;
		if (!rc && (!found || w.n != cs_anon_mapcount(w.folio)))
			rc = -EINVAL;
		cs_anon_unlock(&w);
	}
	folio_unlock(w.folio);
out:
	put_page(page);
	if (rc)
		pr_err("cannot find the PTEs of an anonymous page through its anon_vma on this kernel (%s): %d\n",
		       utsname()->release, rc);
	return rc;
}

/* The mm of process nr (stopped, if asked), referenced; or NULL. */
static struct mm_struct *cs_anon_mm(int nr, bool stopped)
{
	struct task_struct *task;
	struct mm_struct *mm = NULL;
	struct pid *pid;

	pid = find_get_pid(nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task)
		return NULL;
	/* One thread, stopped: nothing runs on its page tables. */
	if (!stopped || (task_is_stopped(task) &&
			 get_nr_threads(task) == 1))
		mm = get_task_mm(task);
	put_task_struct(task);
	return mm;
}

/*
 * For /proc/cbps_probe "unpinned PID ADDR": what Linux's exit_mmap()
 * does first, on a stopped process: unpin its page tables (Xen drops the
 * references of their entries; Linux goes on reading them).  Then the
 * shared page at ADDR is unshared (a write of its own first word through
 * the direct map), and its entry, in a table Xen no longer validates,
 * must name our own copy.  The tables are pinned again after.
 */
int cs_anon_probe_unpinned(struct seq_file *m, const char *arg)
{
	unsigned long addr, pfn, before, after;
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	spinlock_t *ptl;
	pte_t *ptep, pte;
	bool shared;
	u64 *word;
	int nr, rc;

	if (sscanf(arg, "%d %lx", &nr, &addr) != 2 || offset_in_page(addr))
		return -EINVAL;
	mm = cs_anon_mm(nr, true);
	if (!mm)
		return -ESRCH;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	ptep = vma && vma_is_anonymous(vma) ? cs_anon_pte(mm, addr, &ptl) :
					      NULL;
	rc = -ENOENT;
	if (!ptep)
		goto out;
	spin_lock(ptl);
	pte = *ptep;
	spin_unlock(ptl);
	pfn = pte_pfn(pte);
	if (!pte_present(pte) || !pfn_valid(pfn) || !PageAnon(pfn_to_page(pfn)))
		goto out_unmap;
	shared = cs_share_pfn_shared(pfn);
	before = pte_mfn(pte);

	paravirt_arch_exit_mmap(mm);
	word = __va(PFN_PHYS(pfn));
	WRITE_ONCE(*word, READ_ONCE(*word));
	after = (READ_ONCE(ptep->pte) & PTE_PFN_MASK) >> PAGE_SHIFT;
	paravirt_activate_mm(mm, mm);

	seq_printf(m, "unpinned shared %d before %#lx after %#lx own %d\n",
		   shared, before, after, after == pfn_to_mfn(pfn));
	rc = 0;
out_unmap:
	pte_unmap(ptep);
out:
	mmap_read_unlock(mm);
	mmput(mm);
	return rc;
}

/*
 * For /proc/cbps_probe "anon PID ADDR N": of the N pages at ADDR in PID,
 * how many are present, shared, and (never, if Xen holds its promise)
 * mapped writable while shared.
 */
int cs_anon_probe(struct seq_file *m, const char *arg)
{
	unsigned long addr, n, i, present = 0, shared = 0, writable = 0;
	struct mm_struct *mm;
	int nr;

	if (sscanf(arg, "%d %lx %lu", &nr, &addr, &n) != 3 ||
	    offset_in_page(addr) || n > (1UL << 20))
		return -EINVAL;
	mm = cs_anon_mm(nr, false);
	if (!mm)
		return -ESRCH;

	mmap_read_lock(mm);
	for (i = 0; i < n; i++, addr += PAGE_SIZE) {
		spinlock_t *ptl;
		pte_t *ptep, pte;

		/* Tables of a VMA munmap took out may be on their way. */
		if (!vma_lookup(mm, addr))
			continue;
		cond_resched();
		ptep = cs_anon_pte(mm, addr, &ptl);
		if (!ptep)
			continue;
		spin_lock(ptl);
		pte = *ptep;
		pte_unmap_unlock(ptep, ptl);
		if (!pte_present(pte))
			continue;
		present++;
		if (cs_share_pfn_shared(pte_pfn(pte))) {
			shared++;
			writable += pte_write(pte);
		}
	}
	mmap_read_unlock(mm);
	mmput(mm);
	seq_printf(m, "anon pages %lu present %lu shared %lu writable %lu\n",
		   n, present, shared, writable);
	return 0;
}
